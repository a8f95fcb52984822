/**
 * `epq defs install|update|rollback|list` and `build --base` end to end: spawns the built CLI
 * (run `npx tsc -p .` first) on temp folders.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { findPackageRoot } from '../../definitions/builtin-set.js';
import { makePublisher, removeDir, setSources, tempDir, type Publisher } from './helpers.js';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

let packageRoot: string;
let root: string;
let pub: Publisher;
let state: string;

beforeAll(async () => {
  packageRoot = await findPackageRoot();
  if (!existsSync(join(packageRoot, 'dist', 'agent', 'cli', 'main.js'))) throw new Error('the CLI is not built: run `npx tsc -p .` first');
  root = await tempDir();
  pub = await makePublisher(root);
});
afterAll(() => removeDir(root));
beforeEach(async () => {
  state = await tempDir('epq-state-');
});
afterEach(() => removeDir(state));

function epq(...args: string[]): Promise<Run> {
  const env: NodeJS.ProcessEnv = { ...process.env, EPQ_DEBUG: '', TZ: 'UTC' };
  delete env.EPQ_CONFIG;
  delete env.EPQ_STATE_DIR;
  return new Promise((resolve) => {
    execFile(process.execPath, ['bin/epq.js', ...args], { cwd: packageRoot, env }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

const store = (): string[] => ['--state-dir', state, '--pub', pub.pubFile];

test('install, refuse, list, rollback', async () => {
  const five = await pub.full(5);
  const installed = await epq('defs', 'install', five, ...store());
  expect(installed).toMatchObject({ code: 0, stderr: '' });
  expect(installed.stdout).toBe('installed definitions sequence 5 (certified, created 2025-06-06 00:00:00 +0000): 3 signatures; was sequence 0\n');

  const older = await pub.full(4);
  const refused = await epq('defs', 'install', older, ...store());
  expect(refused).toMatchObject({ code: 2, stdout: '', stderr: `REFUSED ${older}: sequence 4 is not newer than the active 5 (sequence 5 stays active)\n` });

  const inc = await pub.incremental(5, 6);
  expect((await epq('defs', 'install', inc, ...store())).stdout).toContain('installed definitions sequence 6');

  const list = await epq('defs', 'list', ...store());
  expect(list.code).toBe(0);
  expect(list.stdout).toMatch(/^\*\s+6 {2}active {2}created .* {2}incremental from 5 {2}key /m);
  expect(list.stdout).toMatch(/^ \s+5 {2}kept {4}created .* {2}full {2}key /m);
  const json = JSON.parse((await epq('defs', 'list', ...store(), '--json')).stdout) as { active: { sequence: number }; sets: { sequence: number; active: boolean; kind: string }[] };
  expect(json.active.sequence).toBe(6);
  expect(json.sets.map((s) => [s.sequence, s.active, s.kind])).toEqual([[6, true, 'incremental'], [5, false, 'full']]);

  const back = await epq('defs', 'rollback', ...store());
  expect(back).toMatchObject({ code: 0, stderr: '' });
  expect(back.stdout).toBe('rolled back definitions from sequence 6 to 5 (certified, created 2025-06-06 00:00:00 +0000)\n');
  const none = await epq('defs', 'rollback', ...store());
  expect(none).toMatchObject({ code: 2, stderr: 'REFUSED rollback: no earlier kept definitions set to roll back to from sequence 5\n' });

  // Without keys, list still shows what active.json names, unverified.
  const plain = await epq('defs', 'list', '--state-dir', state);
  expect(plain.stdout).toContain('Active: definitions sequence 5 (as active.json says; not verified: no trusted keys given)');
});

test('update from a folder source, then up to date; an unreachable source exits 2', async () => {
  const dir = join(root, `source-${Date.now()}`);
  await mkdir(dir);
  await writeFile(join(dir, 'a.epqdefs'), await readFile(await pub.full(8)));
  const updated = await epq('defs', 'update', ...store(), '--source', dir);
  expect(updated.code).toBe(0);
  expect(updated.stdout).toMatch(new RegExp(`^installed sequence 8 \\(.* from ${dir}; ${join(dir, 'a.epqdefs')}\\)\\n$`));
  const again = await epq('defs', 'update', ...store(), '--source', dir, '--json');
  expect(JSON.parse(again.stdout)).toMatchObject({ result: 'up-to-date', activeSequence: 8 });
  const missing = await epq('defs', 'update', ...store(), '--source', join(root, 'nowhere'));
  expect(missing.code).toBe(2);
  expect(missing.stdout).toContain(`unreachable: ${join(root, 'nowhere')}: folder not found`);
  expect(missing.stderr).toContain('epq: unable to access definition directory:');
  expect((await epq('defs', 'list', ...store())).stdout).toContain('Last update check: unreachable:');
  const noSource = await epq('defs', 'update', ...store());
  expect(noSource).toMatchObject({ code: 2, stderr: expect.stringContaining('no definitions source: give --source FOLDER|URL or set definitions.source in the config') });
});

test('the store flags come from a config file too', async () => {
  const config = join(root, `agent-${Date.now()}.json`);
  await writeFile(config, JSON.stringify({ stateDir: state, definitions: { trustedKeys: [pub.pubFile], keep: 1 } }));
  expect((await epq('defs', 'install', await pub.full(2), '--config', config)).code).toBe(0);
  expect((await epq('defs', 'install', await pub.full(3), '--config', config)).code).toBe(0);
  const json = JSON.parse((await epq('defs', 'list', '--config', config, '--json')).stdout) as { keep: number; sets: { sequence: number }[] };
  expect(json.keep).toBe(1);
  expect(json.sets.map((s) => s.sequence)).toEqual([3]);
});

test('build --base / --base-dir write incremental packages; show and verify describe them', async () => {
  const src4 = await pub.sources(4);
  const src5 = await pub.sources(5);
  const full4 = join(root, 'cli-4.epqdefs');
  expect((await epq('defs', 'build', '--sequence', '4', '--from', src4, '--key', pub.keyFile, '--out', full4)).code).toBe(0);
  const inc = join(root, 'cli-4-5.epqdefs');
  const built = await epq('defs', 'build', '--sequence', '5', '--from', src5, '--key', pub.keyFile, '--out', inc, '--base', full4, '--created', '2025-07-01');
  expect(built).toMatchObject({ code: 0, stderr: '' });
  expect(built.stdout).toBe(`built ${inc}: incremental 4->5, created 2025-07-01 00:00:00 +0000, not certified\n` +
    `3 signatures in 3 files (1 added or replaced, 1 removed), signed by key ${pub.trusted.keyId}\n`);
  const shown = await epq('defs', 'show', inc);
  expect(shown.stdout).toContain('Format:      1 (incremental)');
  expect(shown.stdout).toContain('Base:        sequence 4');
  expect(shown.stdout).toContain('Added:       marker-5.ndb');
  expect(shown.stdout).toContain('Removed:     marker-4.ndb');
  const verified = await epq('defs', 'verify', inc, '--pub', pub.pubFile);
  expect(verified.stdout).toMatch(/^OK .*: incremental 4->5, signed by key/);

  const viaDir = await epq('defs', 'build', '--sequence', '5', '--from', src5, '--key', pub.keyFile, '--out', join(root, 'cli-dir.epqdefs'), '--base-dir', src4, '--base-sequence', '4');
  expect(viaDir.stdout).toContain('incremental 4->5');
  const noSeq = await epq('defs', 'build', '--sequence', '5', '--from', src5, '--key', pub.keyFile, '--out', join(root, 'x.epqdefs'), '--base-dir', src4);
  expect(noSeq).toMatchObject({ code: 2, stderr: expect.stringContaining('--base-dir needs --base-sequence N') });

  const noEicar = await pub.sources(6, { 'a.ndb': setSources(6)['marker-6.ndb']! });
  const warned = await epq('defs', 'build', '--sequence', '6', '--from', noEicar, '--key', pub.keyFile, '--out', join(root, 'noeicar.epqdefs'));
  expect(warned).toMatchObject({ code: 0, stderr: 'warning: this set does not detect the EICAR test file; agents refuse to install it (self-test)\n' });
});
