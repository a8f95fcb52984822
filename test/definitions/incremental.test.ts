/**
 * Incremental packages (definitions/incremental.ts), the stored-set file (set-file.ts), the
 * self-test and `buildDefinitionsPackage` with a base: real keys, real temp folders.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildDefinitionsPackage } from '../../definitions/build-package.js';
import type { DefinitionsSet } from '../../definitions/definitions-set.js';
import { EMPTY_EPQ_META } from '../../definitions/epq-meta.js';
import { DefinitionsPackageError } from '../../definitions/errors.js';
import { applyIncrementalPackage, diffSets, encodeIncrementalPackage } from '../../definitions/incremental.js';
import { loadSigningKey, loadTrustedKey, type SigningKey, type TrustedKey } from '../../definitions/keys.js';
import { decodeDefinitionsPackage, encodeDefinitionsPackage, verifyDefinitionsPackage, type VerifiedIncrementalPackage } from '../../definitions/package-format.js';
import { compileAndSelfTest, eicarTestFile } from '../../definitions/self-test.js';
import { decodeSetFile, encodeSetFile } from '../../definitions/set-file.js';
import { hexOf, makeEicar, makeKeys, makeTempDir, removeDir, writeSourceFolder } from './fixtures.js';

let root: string;
let signer: SigningKey;
let trusted: TrustedKey;
let other: TrustedKey;

beforeAll(async () => {
  root = await makeTempDir();
  const keys = await makeKeys(root, 'publisher');
  signer = await loadSigningKey(keys.privateKeyPath);
  trusted = await loadTrustedKey(keys.publicKeyPath);
  other = await loadTrustedKey((await makeKeys(root, 'other')).publicKeyPath);
});
afterAll(() => removeDir(root));

const EICAR_HDB = '44d88612fea8a8f36de82e1278abb02f:68:Eicar.HDB\n';
const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

function set(sequence: number, files: Record<string, string>): DefinitionsSet {
  return {
    sequence,
    created: '2025-05-01T00:00:00.000Z',
    certified: true,
    files: Object.entries(files).map(([name, text]) => ({ name, data: bytes(text) })),
    meta: EMPTY_EPQ_META,
    signatureCount: Object.keys(files).length,
  };
}

const base = set(7, { 'eicar.hdb': EICAR_HDB, 'keep.ndb': `Keep:0:*:${hexOf('KEEP-ME')}\n`, 'gone.ndb': `Gone:0:*:${hexOf('GONE')}\n`, 'changed.ndb': `Old:0:*:${hexOf('OLD')}\n` });
const next = set(9, { 'eicar.hdb': EICAR_HDB, 'keep.ndb': `Keep:0:*:${hexOf('KEEP-ME')}\n`, 'changed.ndb': `New:0:*:${hexOf('NEW')}\n`, 'added.ndb': `Added:0:*:${hexOf('ADDED')}\n` });

function incremental(from: DefinitionsSet = base, to: DefinitionsSet = next): VerifiedIncrementalPackage {
  const pkg = verifyDefinitionsPackage(encodeIncrementalPackage(from, to, signer, 'inc.epqdefs'), 'inc.epqdefs', [trusted]);
  if (pkg.kind !== 'incremental') throw new Error('expected an incremental package');
  return pkg;
}

function refusalOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(DefinitionsPackageError);
    return (err as DefinitionsPackageError).reason;
  }
  throw new Error('expected a refusal');
}

test('diffSets names the files added or replaced, and the ones removed', () => {
  expect(diffSets(base, next)).toEqual({ added: ['changed.ndb', 'added.ndb'], removed: ['gone.ndb'] });
  expect(diffSets(base, base)).toEqual({ added: [], removed: [] });
});

test('an incremental package carries only the changes but lists every resulting file; applying rebuilds the set', () => {
  const raw = encodeIncrementalPackage(base, next, signer, 'inc.epqdefs');
  const text = Buffer.from(raw).toString('latin1');
  expect(text).not.toContain(hexOf('KEEP-ME'));
  expect(text).toContain(hexOf('NEW'));
  const pkg = incremental();
  expect(pkg.manifest).toMatchObject({ kind: 'incremental', sequence: 9, baseSequence: 7, added: ['changed.ndb', 'added.ndb'], removed: ['gone.ndb'] });
  expect(pkg.manifest.files.map((f) => f.name)).toEqual(['eicar.hdb', 'keep.ndb', 'changed.ndb', 'added.ndb']);
  const result = applyIncrementalPackage(base, pkg);
  expect(result.sequence).toBe(9);
  expect(result.files.map((f) => [f.name, Buffer.from(f.data).toString()])).toEqual(next.files.map((f) => [f.name, Buffer.from(f.data).toString()]));
  expect(result.proof.manifest).toBe(pkg.manifest);
});

test('applying over another base sequence is refused with both sequences', () => {
  const pkg = incremental();
  expect(refusalOf(() => applyIncrementalPackage({ ...base, sequence: 6 }, pkg))).toBe('incremental package 7->9 needs base 7, active is 6');
});

test('applying over a different base of the same sequence is refused: the result must hash as signed', () => {
  const pkg = incremental();
  const altered = { ...base, files: base.files.map((f) => (f.name === 'keep.ndb' ? { name: f.name, data: bytes(`Keep:0:*:${hexOf('KEEP-YOU')}\n`) } : f)) };
  expect(refusalOf(() => applyIncrementalPackage(altered, pkg))).toBe(
    'result does not match the manifest: keep.ndb (kept from base set 7) differs from the signed size and SHA-256 (not the base it was built against)');
  const lacking = { ...base, files: base.files.filter((f) => f.name !== 'gone.ndb') };
  expect(refusalOf(() => applyIncrementalPackage(lacking, pkg))).toMatch(/^incremental package 7->9 removes gone\.ndb, which base set 7 does not have/);
  const extra = { ...base, files: [...base.files, { name: 'stray.ndb', data: bytes('Stray:0:*:41\n') }] };
  expect(refusalOf(() => applyIncrementalPackage(extra, pkg))).toMatch(/^incremental package 7->9 neither keeps nor removes stray\.ndb/);
});

test('a full-package reader refuses an incremental package instead of taking it for a set', () => {
  const raw = encodeIncrementalPackage(base, next, signer, 'inc.epqdefs');
  expect(refusalOf(() => decodeDefinitionsPackage(raw, 'inc.epqdefs', [trusted]))).toMatch(/^is an incremental package \(7->9\), not a whole set/);
  expect(refusalOf(() => verifyDefinitionsPackage(raw, 'inc.epqdefs', [other]))).toBe(`signed by an untrusted key ${trusted.keyId}`);
});

test('a carried body that was altered is refused', () => {
  const raw = Buffer.from(encodeIncrementalPackage(base, next, signer, 'inc.epqdefs'));
  const at = raw.indexOf(hexOf('ADDED'));
  raw[at] = raw[at] === 0x34 ? 0x35 : 0x34;
  expect(refusalOf(() => verifyDefinitionsPackage(raw, 'inc.epqdefs', [trusted]))).toBe('file added.ndb: SHA-256 does not match the manifest (content altered)');
});

test('a stored set file verifies on its own, for full and incremental origins, and detects tampering', () => {
  const viaIncremental = applyIncrementalPackage(base, incremental());
  const file = encodeSetFile(viaIncremental);
  expect(Buffer.from(file).subarray(0, 9).toString()).toBe('EPQSET/1\n');
  const back = decodeSetFile(file, 'defs-9.epqset', [trusted]);
  expect(back.sequence).toBe(9);
  expect(back.files.map((f) => f.name)).toEqual(next.files.map((f) => f.name));
  expect(refusalOf(() => decodeSetFile(file, 'defs-9.epqset', [other]))).toBe(`signed by an untrusted key ${trusted.keyId}`);
  const tampered = Buffer.from(file);
  tampered[tampered.length - 3] ^= 1;
  expect(refusalOf(() => decodeSetFile(tampered, 'defs-9.epqset', [trusted]))).toMatch(/SHA-256 does not match the manifest/);

  const full = decodeDefinitionsPackage(encodeDefinitionsPackage(base, signer), 'full.epqdefs', [trusted]);
  expect(decodeSetFile(encodeSetFile(full), 'defs-7.epqset', [trusted]).files.length).toBe(4);
  // A stored set is not a package: the package reader refuses its magic.
  expect(refusalOf(() => verifyDefinitionsPackage(encodeSetFile(full), 'x', [trusted]))).toMatch(/the first line is not "EPQDEFS\/1"/);
});

test('the self-test needs EICAR detected: a set without it, or one that allow-lists it, fails', () => {
  expect(Buffer.from(eicarTestFile())).toEqual(Buffer.from(makeEicar()));
  expect(compileAndSelfTest(base.files, 'ok').engine.signatureCount).toBeGreaterThan(0);
  const without = base.files.filter((f) => f.name !== 'eicar.hdb');
  expect(refusalOf(() => compileAndSelfTest(without, 'x'))).toBe('self-test failed: EICAR not detected');
  const allowed = [...base.files, { name: 'allow.fp', data: bytes('44d88612fea8a8f36de82e1278abb02f:68:Allowed\n') }];
  expect(refusalOf(() => compileAndSelfTest(allowed, 'x'))).toBe('self-test failed: EICAR not detected (an allow-list entry clears it)');
  expect(refusalOf(() => compileAndSelfTest([{ name: 'bad.ndb', data: bytes('Bad:0:*:zz\n') }], 'x'))).toMatch(/^signatures fail to load: bad\.ndb:1/);
});

test('build --base makes an incremental package that applies to the base package set', async () => {
  const src7 = await writeSourceFolder(root, 'b7', { 'eicar.hdb': EICAR_HDB, 'a.ndb': `A:0:*:${hexOf('AAAA')}\n`, 'b.ndb': `B:0:*:${hexOf('BBBB')}\n` });
  const src8 = await writeSourceFolder(root, 'b8', { 'eicar.hdb': EICAR_HDB, 'a.ndb': `A:0:*:${hexOf('AAAA')}\n`, 'c.ndb': `C:0:*:${hexOf('CCCC')}\n` });
  const keyFile = join(root, 'publisher.key');
  const full = join(root, 'b7.epqdefs');
  await buildDefinitionsPackage({ sourceDir: src7, sequence: 7, signingKeyFile: keyFile, outFile: full });
  const inc = join(root, 'b7-8.epqdefs');
  const result = await buildDefinitionsPackage({ sourceDir: src8, sequence: 8, signingKeyFile: keyFile, outFile: inc, base: { packageFile: full } });
  expect(result).toMatchObject({ kind: 'incremental', sequence: 8, baseSequence: 7, added: ['c.ndb'], removed: ['b.ndb'], selfTestPassed: true });
  const fullSet = decodeDefinitionsPackage(await readFile(full), full, [trusted]);
  const pkg = verifyDefinitionsPackage(await readFile(inc), inc, [trusted]) as VerifiedIncrementalPackage;
  expect(applyIncrementalPackage(fullSet, pkg).files.map((f) => f.name)).toEqual(['a.ndb', 'c.ndb', 'eicar.hdb']);

  // The same from a base source folder with its sequence.
  const inc2 = join(root, 'b7-8-dir.epqdefs');
  const viaDir = await buildDefinitionsPackage({ sourceDir: src8, sequence: 8, signingKeyFile: keyFile, outFile: inc2, base: { sourceDir: src7, sequence: 7 } });
  expect(viaDir).toMatchObject({ kind: 'incremental', baseSequence: 7, added: ['c.ndb'], removed: ['b.ndb'] });

  // Not above the base, or an incremental base: refused before anything is written.
  await expect(buildDefinitionsPackage({ sourceDir: src8, sequence: 7, signingKeyFile: keyFile, outFile: join(root, 'no.epqdefs'), base: { packageFile: full } }))
    .rejects.toThrow('sequence 7 must be above the base sequence 7');
  await expect(buildDefinitionsPackage({ sourceDir: src8, sequence: 9, signingKeyFile: keyFile, outFile: join(root, 'no.epqdefs'), base: { packageFile: inc } }))
    .rejects.toThrow(/the base must be a full package \(this one is incremental 7->8\)/);
  // A base whose bytes were altered is refused (its own manifest no longer matches).
  const broken = Buffer.from(await readFile(full));
  broken[broken.length - 2] ^= 1;
  await writeFile(join(root, 'broken.epqdefs'), broken);
  await expect(buildDefinitionsPackage({ sourceDir: src8, sequence: 9, signingKeyFile: keyFile, outFile: join(root, 'no.epqdefs'), base: { packageFile: join(root, 'broken.epqdefs') } }))
    .rejects.toThrow(/SHA-256 does not match the manifest/);
});

test('build reports a set that fails the EICAR self-test', async () => {
  const src = await writeSourceFolder(root, 'noeicar', { 'a.ndb': `A:0:*:${hexOf('AAAA')}\n` });
  const result = await buildDefinitionsPackage({ sourceDir: src, sequence: 3, signingKeyFile: join(root, 'publisher.key'), outFile: join(root, 'noeicar.epqdefs') });
  expect(result.selfTestPassed).toBe(false);
});
