import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildDefinitionsPackage } from '../../definitions/build-package.js';
import { DefinitionsPackageError, DefinitionsSourceError } from '../../definitions/errors.js';
import { loadScanDefinitions } from '../../definitions/load-scan-definitions.js';
import { compileEngine } from '../../scanner/engine.js';
import { hexOf, makeDemoMarker, makeKeys, makeTempDir, removeDir, validSourceFiles, writeSourceFolder } from './fixtures.js';

let root: string;
beforeEach(async () => {
  root = await makeTempDir();
});
afterEach(() => removeDir(root));

test('a verified package is loaded with its sequence, key and metadata', async () => {
  const keys = await makeKeys(root, 'k');
  const src = await writeSourceFolder(root, 'src', validSourceFiles());
  const defsFile = join(root, 'p.epqdefs');
  await buildDefinitionsPackage({ sourceDir: src, sequence: 42, signingKeyFile: keys.privateKeyPath, outFile: defsFile });
  const defs = await loadScanDefinitions({ defsFile, trustedKeyFiles: [keys.publicKeyPath] });
  expect(defs.sequence).toBe(42);
  expect(defs.signatureCount).toBe(2);
  expect(defs.label).toBe(`definitions ${defsFile} (sequence 42, key ${keys.keyId})`);
  expect(defs.meta.sideEffects['Test.Marker']!.companions).toEqual(['/tmp/test-companion']);
  const hit = compileEngine(defs.database).scanBuffer(new TextEncoder().encode(`..${makeDemoMarker()}..`));
  expect(hit.detections.map((d) => d.signature)).toEqual(['Test.Marker']);
});

test('a package needs a trusted key, and an untrusted one is refused', async () => {
  const keys = await makeKeys(root, 'k');
  const stranger = await makeKeys(root, 'stranger');
  const src = await writeSourceFolder(root, 'src', validSourceFiles());
  const defsFile = join(root, 'p.epqdefs');
  await buildDefinitionsPackage({ sourceDir: src, sequence: 1, signingKeyFile: keys.privateKeyPath, outFile: defsFile });
  await expect(loadScanDefinitions({ defsFile })).rejects.toThrow('--defs needs --pub KEY');
  const err = await loadScanDefinitions({ defsFile, trustedKeyFiles: [stranger.publicKeyPath] }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(DefinitionsPackageError);
  expect((err as Error).message).toBe(`${defsFile}: signed by an untrusted key ${keys.keyId}`);
  await expect(loadScanDefinitions({ defsFile, clamavDbDir: root })).rejects.toThrow('not both');
});

test('a ClamAV database folder loads every signature file, with no sequence', async () => {
  const db = await writeSourceFolder(root, 'clamav', {
    'daily.ndb': `Clam.Marker:0:*:${hexOf(makeDemoMarker())}\n`,
    'daily.hdb': '44d88612fea8a8f36de82e1278abb02f:68:Clam.Hash\n',
    'local.ign2': 'Clam.Hash\n',
  });
  const defs = await loadScanDefinitions({ clamavDbDir: db });
  expect(defs).toMatchObject({ label: `ClamAV database ${db}`, sequence: null, signatureCount: 2, meta: { sideEffects: {} } });
});

test('ClamAV folders with unsupported files, bad syntax or no access are clear errors', async () => {
  const cvd = await writeSourceFolder(root, 'cvd', { 'main.cvd': 'ClamAV-VDB:...', 'daily.ndb': 'A:0:*:41424344\n' });
  await expect(loadScanDefinitions({ clamavDbDir: cvd })).rejects.toThrow(
    `${join(cvd, 'main.cvd')}: unsupported ClamAV database file type .cvd (supported: .hdb .hsb .ndb .fp .sfp .ign2); unpack it first`,
  );
  const ldb = await writeSourceFolder(root, 'ldb', { 'daily.ldb': 'x' });
  await expect(loadScanDefinitions({ clamavDbDir: ldb })).rejects.toThrow(`${join(ldb, 'daily.ldb')}: unsupported ClamAV database file type .ldb`);
  const bad = await writeSourceFolder(root, 'bad', { 'x.hdb': 'nothex:12:Name\n' });
  const err = await loadScanDefinitions({ clamavDbDir: bad }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(DefinitionsSourceError);
  expect((err as Error).message).toMatch(new RegExp(`^${bad}: signatures fail to load: x\\.hdb:1: `));
  await expect(loadScanDefinitions({ clamavDbDir: join(root, 'none') })).rejects.toThrow(`${join(root, 'none')}: folder not found`);
  const empty = join(root, 'empty');
  await mkdir(empty);
  await expect(loadScanDefinitions({ clamavDbDir: empty })).rejects.toThrow(`${empty}: holds no signature files`);
  await writeFile(join(root, 'file'), '');
  await expect(loadScanDefinitions({ clamavDbDir: join(root, 'file') })).rejects.toThrow(`${join(root, 'file')}: not a folder`);
  if (process.getuid?.() !== 0) {
    // Root reads any folder, so the permission case only means something for other users.
    const locked = await writeSourceFolder(root, 'locked', { 'a.ndb': 'A:0:*:41424344\n' });
    await chmod(locked, 0o000);
    await expect(loadScanDefinitions({ clamavDbDir: locked })).rejects.toThrow(`${locked}: can't read the folder`);
    await chmod(locked, 0o700);
  }
});
