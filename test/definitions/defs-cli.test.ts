/**
 * `epq defs ...` end to end: spawns the built CLI (run `npx tsc -p .` first) on temp folders.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { findPackageRoot } from '../../definitions/builtin-set.js';
import { makeTempDir, removeDir, validSourceFiles, writeSourceFolder } from './fixtures.js';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

let packageRoot: string;
let root: string;

beforeAll(async () => {
  packageRoot = await findPackageRoot();
  if (!existsSync(join(packageRoot, 'dist', 'agent', 'cli', 'main.js'))) throw new Error('the CLI is not built: run `npx tsc -p .` first');
});
beforeEach(async () => {
  root = await makeTempDir();
});
afterEach(() => removeDir(root));

function epq(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['bin/epq.js', ...args], { cwd: packageRoot, env: { ...process.env, EPQ_DEBUG: '', TZ: 'UTC' } }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** keygen + build of the valid fixture source; returns the paths. */
async function publish(sequence = 5): Promise<{ key: string; pub: string; pkg: string; keyId: string }> {
  const gen = await epq('defs', 'keygen', '--out', join(root, 'pub'));
  expect(gen.code).toBe(0);
  const keyId = /key id ([0-9a-f]{16})/.exec(gen.stdout)![1]!;
  const src = await writeSourceFolder(root, 'src', validSourceFiles());
  const pkg = join(root, 'set.epqdefs');
  const built = await epq('defs', 'build', '--sequence', String(sequence), '--from', src, '--key', join(root, 'pub.key'), '--out', pkg, '--certified', '--created', '2025-04-01T12:00:00Z');
  expect(built).toMatchObject({ code: 0, stderr: '' });
  expect(built.stdout).toContain(`built ${pkg}: sequence ${sequence}, created 2025-04-01 12:00:00 +0000, certified`);
  expect(built.stdout).toContain(`2 signatures in 3 files, signed by key ${keyId}`);
  return { key: join(root, 'pub.key'), pub: join(root, 'pub.pub'), pkg, keyId };
}

test('keygen writes PREFIX.key (0600) and PREFIX.pub, and refuses to overwrite', async () => {
  const first = await epq('defs', 'keygen', '--out', join(root, 'signer'));
  expect(first.code).toBe(0);
  expect(first.stdout).toContain(`wrote ${join(root, 'signer.key')} (private key, mode 0600`);
  expect(first.stdout).toMatch(/key id [0-9a-f]{16}\n$/);
  expect((await stat(join(root, 'signer.key'))).mode & 0o777).toBe(0o600);
  const before = await readFile(join(root, 'signer.key'), 'utf8');
  const again = await epq('defs', 'keygen', '--out', join(root, 'signer'));
  expect(again.code).toBe(2);
  expect(again.stderr).toBe(`epq: ${join(root, 'signer.key')}: already exists; refusing to overwrite a key file\n`);
  expect(await readFile(join(root, 'signer.key'), 'utf8')).toBe(before);
});

test('build then verify prints OK with the sequence and key id', async () => {
  const { pub, pkg, keyId } = await publish(5);
  const ok = await epq('defs', 'verify', pkg, '--pub', pub);
  expect(ok).toMatchObject({ code: 0, stderr: '' });
  expect(ok.stdout).toBe(`OK ${pkg}: sequence 5, signed by key ${keyId}, created 2025-04-01 12:00:00 +0000, certified, 2 signatures in 3 files\n`);
});

test('verify refuses an untrusted key and a tampered package with exit 2', async () => {
  const { pub, pkg, keyId } = await publish();
  expect((await epq('defs', 'keygen', '--out', join(root, 'other'))).code).toBe(0);
  const untrusted = await epq('defs', 'verify', pkg, '--pub', join(root, 'other.pub'));
  expect(untrusted).toMatchObject({ code: 2, stdout: '', stderr: `REFUSED ${pkg}: signed by an untrusted key ${keyId}\n` });
  // Several --pub flags, before the file: the matching one is used.
  expect((await epq('defs', 'verify', '--pub', join(root, 'other.pub'), '--pub', pub, pkg)).code).toBe(0);

  const bytes = Buffer.from(await readFile(pkg));
  bytes[bytes.length - 3] ^= 0x20;
  await writeFile(pkg, bytes);
  const tampered = await epq('defs', 'verify', pkg, '--pub', pub);
  expect(tampered.code).toBe(2);
  expect(tampered.stderr).toBe(`REFUSED ${pkg}: file test.ndb: SHA-256 does not match the manifest (content altered)\n`);
});

test('verify needs --pub, and a missing key file is an error', async () => {
  const { pkg } = await publish();
  const noPub = await epq('defs', 'verify', pkg);
  expect(noPub.code).toBe(2);
  expect(noPub.stderr).toContain('Missing required argument: pub');
  const missing = await epq('defs', 'verify', pkg, '--pub', join(root, 'nope.pub'));
  expect(missing).toMatchObject({ code: 2, stderr: `epq: ${join(root, 'nope.pub')}: public key file not found\n` });
});

test('show prints the manifest, says it is not verified, and has a JSON form', async () => {
  const { pkg, keyId } = await publish(9);
  const text = await epq('defs', 'show', pkg);
  expect(text.code).toBe(0);
  expect(text.stdout).toContain('Verified:    NO - show does not check the signature');
  expect(text.stdout).toContain('Sequence:    9\n');
  expect(text.stdout).toContain(`Key id:      ${keyId}\n`);
  expect(text.stdout).toContain('Certified:   yes\n');
  expect(text.stdout).toMatch(/ {2}test\.ndb +\d+ bytes {2}sha256 [0-9a-f]{64}/);
  const json = await epq('defs', 'show', pkg, '--json');
  expect(json.code).toBe(0);
  const parsed = JSON.parse(json.stdout) as { verified: boolean; manifest: { sequence: number; kind: string; files: unknown[] } };
  expect(parsed).toMatchObject({ path: pkg, verified: false, manifest: { sequence: 9, kind: 'full', keyId, signatureCount: 2 } });
  expect(parsed.manifest.files).toHaveLength(3);
  const notPkg = await epq('defs', 'show', join(packageRoot, 'package.json'));
  expect(notPkg.code).toBe(2);
  expect(notPkg.stderr).toContain('not an epq definitions package');
});

test('build refuses a source with a syntax error, naming file and line', async () => {
  expect((await epq('defs', 'keygen', '--out', join(root, 'k'))).code).toBe(0);
  const src = await writeSourceFolder(root, 'bad', { 'sigs.ndb': 'Fine:0:*:41424344\nBroken:0:*:41{x}42\n' });
  const out = join(root, 'bad.epqdefs');
  const run = await epq('defs', 'build', '--sequence', '2', '--from', src, '--key', join(root, 'k.key'), '--out', out);
  expect(run.code).toBe(2);
  expect(run.stderr).toMatch(new RegExp(`^epq: ${src}: test load failed: sigs\\.ndb:2: [^\\n]*\\n$`));
  expect(existsSync(out)).toBe(false);
  const badSeq = await epq('defs', 'build', '--sequence', 'abc', '--from', src, '--key', join(root, 'k.key'), '--out', out);
  expect(badSeq.code).toBe(2);
  expect(badSeq.stderr).toContain('expected a number (got "abc")');
});

test('--help works for defs and each subcommand', async () => {
  const top = await epq('defs', '--help');
  expect(top.code).toBe(0);
  for (const sub of ['keygen', 'build', 'verify', 'show']) expect(top.stdout).toContain(`epq defs ${sub}`);
  const expected: Record<string, string[]> = { keygen: ['--out'], build: ['--sequence', '--from', '--key', '--out', '--certified', '--created'], verify: ['--pub'], show: ['--json'] };
  for (const [sub, flags] of Object.entries(expected)) {
    const help = await epq('defs', sub, '--help');
    expect(help.code).toBe(0);
    for (const flag of flags) expect(help.stdout).toContain(flag);
  }
  const none = await epq('defs');
  expect(none.code).toBe(2);
  expect(none.stderr).toContain('Name a defs subcommand');
});
