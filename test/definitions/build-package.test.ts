import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildDefinitionsPackage } from '../../definitions/build-package.js';
import { DefinitionsSourceError } from '../../definitions/errors.js';
import { loadTrustedKey } from '../../definitions/keys.js';
import { readDefinitionsPackage } from '../../definitions/package-format.js';
import { makeKeys, makeTempDir, removeDir, validSourceFiles, writeSourceFolder } from './fixtures.js';

let root: string;
let keyFile: string;
let pubFile: string;
beforeEach(async () => {
  root = await makeTempDir();
  const keys = await makeKeys(root, 'k');
  keyFile = keys.privateKeyPath;
  pubFile = keys.publicKeyPath;
});
afterEach(() => removeDir(root));

async function build(sourceDir: string, extra: { sequence?: number; created?: string } = {}) {
  return buildDefinitionsPackage({ sourceDir, sequence: extra.sequence ?? 1, signingKeyFile: keyFile, outFile: join(root, 'out.epqdefs'), ...(extra.created ? { created: extra.created } : {}) });
}

async function buildError(sourceDir: string): Promise<DefinitionsSourceError> {
  const err = await build(sourceDir).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(DefinitionsSourceError);
  return err as DefinitionsSourceError;
}

test('a build reports what it wrote, and leaves no temp file behind', async () => {
  const src = await writeSourceFolder(root, 'src', validSourceFiles());
  const result = await build(src, { sequence: 12, created: '2025-06-01' });
  expect(result).toMatchObject({ sequence: 12, created: '2025-06-01T00:00:00.000Z', certified: false, signatureCount: 2 });
  expect(result.files.map((f) => f.name)).toEqual(['epq-meta.json', 'test.hdb', 'test.ndb']);
  expect((await readDefinitionsPackage(result.outFile, [await loadTrustedKey(pubFile)])).sequence).toBe(12);
  expect((await readdir(root)).sort()).toEqual(['k.key', 'k.pub', 'out.epqdefs', 'src']);
  expect((await stat(result.outFile)).mode & 0o777).toBe(0o644);
});

test('a signature syntax error aborts the build naming file and line', async () => {
  const src = await writeSourceFolder(root, 'src', { 'good.hdb': validSourceFiles()['test.hdb']!, 'bad.ndb': 'Ok.Sig:0:*:41424344\n\nBad.Sig:0:*:4142[1-2]43\n' });
  const err = await buildError(src);
  expect(err.path).toBe(src);
  expect(err.message).toMatch(new RegExp(`^${src}: test load failed: bad\\.ndb:3: `));
  expect(err.message).toContain('unsupported token');
  await expect(stat(join(root, 'out.epqdefs'))).rejects.toMatchObject({ code: 'ENOENT' });
});

test('a failed build keeps the previous package in place', async () => {
  const good = await writeSourceFolder(root, 'good', validSourceFiles());
  await build(good, { sequence: 1 });
  const before = await readFile(join(root, 'out.epqdefs'));
  const bad = await writeSourceFolder(root, 'bad', { 'x.ndb': 'Broken.Sig:0:*:zz\n' });
  await expect(build(bad, { sequence: 2 })).rejects.toThrow(/bad: test load failed: x\.ndb:1: /);
  expect(await readFile(join(root, 'out.epqdefs'))).toEqual(before);
});

test('other files and subfolders in the source folder are errors naming them', async () => {
  const withReadme = await writeSourceFolder(root, 'a', { ...validSourceFiles(), 'README.md': 'hi' });
  expect((await buildError(withReadme)).message).toBe(
    `${join(withReadme, 'README.md')}: file "README.md" has an unsupported type (allowed: *.hdb *.hsb *.ndb *.fp *.sfp *.ign2 and epq-meta.json)`,
  );
  const withSub = await writeSourceFolder(root, 'b', validSourceFiles());
  await mkdir(join(withSub, 'more'));
  expect((await buildError(withSub)).message).toBe(`${join(withSub, 'more')}: subfolders are not supported; the folder must be flat`);
  const withCvd = await writeSourceFolder(root, 'c', { ...validSourceFiles(), 'main.cvd': 'x' });
  expect((await buildError(withCvd)).path).toBe(join(withCvd, 'main.cvd'));
});

test('a bad epq-meta.json, an empty or a missing folder are errors', async () => {
  const badMeta = await writeSourceFolder(root, 'm', { ...validSourceFiles(), 'epq-meta.json': '{"sideEffects":{"Test.Marker":{"companions":["tmp/x"]}}}' });
  expect((await buildError(badMeta)).message).toBe(`${join(badMeta, 'epq-meta.json')}: sideEffects["Test.Marker"].companions[0]: "tmp/x" must be an absolute path or glob`);
  const etcGlob = await writeSourceFolder(root, 'g', { ...validSourceFiles(), 'epq-meta.json': '{"sideEffects":{"Test.Marker":{"companions":["/tmp/ok-*.bin","/etc/*"]}}}' });
  expect((await buildError(etcGlob)).message).toBe(
    `${join(etcGlob, 'epq-meta.json')}: sideEffects["Test.Marker"].companions[1]: "/etc/*" is a bare glob in the system folder /etc (a glob there must start with at least 3 literal characters, such as "/etc/evil-*")`,
  );
  const many = JSON.stringify({ sideEffects: { 'Test.Marker': { companions: Array.from({ length: 17 }, (_, i) => `/opt/evil/f${i}`) } } });
  const tooMany = await writeSourceFolder(root, 't', { ...validSourceFiles(), 'epq-meta.json': many });
  expect((await buildError(tooMany)).message).toBe(`${join(tooMany, 'epq-meta.json')}: sideEffects["Test.Marker"].companions: 17 patterns, more than the 16 a signature may declare`);
  const onlyMeta = await writeSourceFolder(root, 'e', { 'epq-meta.json': '{}' });
  expect((await buildError(onlyMeta)).message).toMatch(/: holds no signature files/);
  expect((await buildError(join(root, 'absent'))).message).toBe(`${join(root, 'absent')}: folder not found`);
});

test('bad sequence numbers and dates are refused before anything is read', async () => {
  const src = await writeSourceFolder(root, 'src', validSourceFiles());
  await expect(build(src, { sequence: 0 })).rejects.toThrow('sequence must be a positive integer (got 0)');
  await expect(build(src, { sequence: 1.5 })).rejects.toThrow('sequence must be a positive integer (got 1.5)');
  await expect(build(src, { created: '2025-02-30' })).rejects.toThrow(/creation date must be ISO 8601/);
  await expect(build(src, { created: '2025-02-03T10:00:00' })).rejects.toThrow(/creation date must be ISO 8601/);
});

test('an unusable signing key is refused after the sources pass', async () => {
  const src = await writeSourceFolder(root, 'src', validSourceFiles());
  await writeFile(join(root, 'junk.key'), 'not a key', { mode: 0o600 });
  await expect(buildDefinitionsPackage({ sourceDir: src, sequence: 1, signingKeyFile: join(root, 'junk.key'), outFile: join(root, 'o') })).rejects.toThrow(
    `${join(root, 'junk.key')}: not a PEM private key`,
  );
});
