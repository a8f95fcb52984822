import { createHash, sign } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildDefinitionsPackage } from '../../definitions/build-package.js';
import { DefinitionsPackageError } from '../../definitions/errors.js';
import { loadSigningKey, loadTrustedKey, type SigningKey, type TrustedKey } from '../../definitions/keys.js';
import { decodeDefinitionsPackage, encodeDefinitionsPackage, inspectDefinitionsPackage, PACKAGE_MAGIC, readDefinitionsPackage } from '../../definitions/package-format.js';
import { makeKeys, makeTempDir, removeDir, validSourceFiles, writeSourceFolder } from './fixtures.js';

let root: string;
let pkgPath: string;
let signer: SigningKey;
let trusted: TrustedKey;
let other: TrustedKey;
let otherSigner: SigningKey;

beforeAll(async () => {
  root = await makeTempDir();
  const keys = await makeKeys(root, 'publisher');
  const otherKeys = await makeKeys(root, 'other');
  signer = await loadSigningKey(keys.privateKeyPath);
  trusted = await loadTrustedKey(keys.publicKeyPath);
  otherSigner = await loadSigningKey(otherKeys.privateKeyPath);
  other = await loadTrustedKey(otherKeys.publicKeyPath);
  const src = await writeSourceFolder(root, 'src', validSourceFiles());
  pkgPath = join(root, 'set.epqdefs');
  await buildDefinitionsPackage({ sourceDir: src, sequence: 7, signingKeyFile: keys.privateKeyPath, outFile: pkgPath, certified: true, created: '2025-03-01T10:00:00+02:00' });
});

afterAll(() => removeDir(root));

/** The package split into its four parts, for tampering. */
async function splitPackage(): Promise<{ manifest: string; signature: string; body: Buffer }> {
  const bytes = await readFile(pkgPath);
  const lines: number[] = [];
  for (let i = 0; lines.length < 3; i++) if (bytes[i] === 0x0a) lines.push(i);
  return {
    manifest: bytes.subarray(lines[0]! + 1, lines[1]).toString('utf8'),
    signature: bytes.subarray(lines[1]! + 1, lines[2]).toString('latin1'),
    body: bytes.subarray(lines[2]! + 1),
  };
}

function joinPackage(manifest: string, signature: string, body: Uint8Array): Uint8Array {
  return Buffer.concat([Buffer.from(`${PACKAGE_MAGIC}\n${manifest}\n${signature}\n`), body]);
}

/** A package whose manifest is whatever the test wants, properly signed by `key`. */
function signedPackage(manifest: object, key: SigningKey, body: Uint8Array): Uint8Array {
  const text = JSON.stringify(manifest);
  return joinPackage(text, sign(null, Buffer.from(text), key.key).toString('base64'), body);
}

function refusal(bytes: Uint8Array, keys: readonly TrustedKey[] = [trusted]): DefinitionsPackageError {
  try {
    decodeDefinitionsPackage(bytes, 'pkg.epqdefs', keys);
  } catch (err) {
    expect(err).toBeInstanceOf(DefinitionsPackageError);
    const e = err as DefinitionsPackageError;
    expect(e.path).toBe('pkg.epqdefs');
    expect(e.message).toBe(`pkg.epqdefs: ${e.reason}`);
    return e;
  }
  throw new Error('the package was accepted');
}

test('round trip: a built package reads back with the same set', async () => {
  const set = await readDefinitionsPackage(pkgPath, [other, trusted]);
  expect(set.sequence).toBe(7);
  expect(set.created).toBe('2025-03-01T08:00:00.000Z');
  expect(set.certified).toBe(true);
  expect(set.keyId).toBe(trusted.keyId);
  expect(set.signatureCount).toBe(2);
  expect(set.files.map((f) => f.name)).toEqual(['epq-meta.json', 'test.hdb', 'test.ndb']);
  const source = validSourceFiles();
  for (const f of set.files) expect(Buffer.from(f.data).toString('utf8')).toBe(source[f.name]);
  expect(set.meta.sideEffects['Test.Marker']!.companions).toEqual(['/tmp/test-companion']);
});

test('a tampered manifest fails the signature check', async () => {
  const { manifest, signature, body } = await splitPackage();
  const altered = manifest.replace('"sequence":7', '"sequence":8');
  expect(altered).not.toBe(manifest);
  expect(refusal(joinPackage(altered, signature, body)).reason).toMatch(/^signature does not match the manifest for key [0-9a-f]{16}/);
});

test('a changed file byte is caught by its SHA-256', async () => {
  const { manifest, signature, body } = await splitPackage();
  const copy = Buffer.from(body);
  copy[copy.length - 2] ^= 0x01; // inside test.ndb, the last file
  expect(refusal(joinPackage(manifest, signature, copy)).reason).toBe('file test.ndb: SHA-256 does not match the manifest (content altered)');
});

test('a truncated package is refused', async () => {
  const { manifest, signature, body } = await splitPackage();
  expect(refusal(joinPackage(manifest, signature, body.subarray(0, body.length - 5))).reason).toBe(
    `truncated: the manifest lists ${body.length} bytes of file data but only ${body.length - 5} follow`,
  );
});

test('bytes appended after the last file are refused', async () => {
  const { manifest, signature, body } = await splitPackage();
  const longer = Buffer.concat([body, Buffer.from('extra')]);
  expect(refusal(joinPackage(manifest, signature, longer)).reason).toBe('5 unexpected trailing bytes after the last file');
});

test('a package signed by a key that is not trusted is refused by key id', async () => {
  expect(refusal(await readFile(pkgPath), [other]).reason).toBe(`signed by an untrusted key ${trusted.keyId}`);
  expect(refusal(await readFile(pkgPath), []).reason).toBe(`signed by an untrusted key ${trusted.keyId}`);
});

test('a package signed with the wrong key but claiming a trusted key id is refused', async () => {
  const { manifest, body } = await splitPackage();
  const forged = signedPackage(JSON.parse(manifest) as object, otherSigner, body);
  expect(refusal(forged).reason).toMatch(/^signature does not match the manifest/);
});

test('a file without the magic line is refused', () => {
  expect(refusal(Buffer.from('PK\x03\x04 not a package\n')).reason).toBe('not an epq definitions package (the first line is not "EPQDEFS/1")');
  expect(refusal(new Uint8Array(0)).reason).toMatch(/^not an epq definitions package/);
});

test('unsafe or unsupported file names are refused even when signed', async () => {
  const { manifest, body } = await splitPackage();
  for (const [name, why] of [['../evil.ndb', 'must not contain a path separator'], ['x..ndb', 'must not contain ".."'], ['run.sh', 'unsupported type']]) {
    const m = JSON.parse(manifest) as { files: { name: string }[] };
    m.files[2]!.name = name!;
    const reason = refusal(signedPackage(m, signer, body)).reason;
    expect(reason).toContain('manifest: files[2]: unsafe or unsupported file name');
    expect(reason).toContain(why!);
  }
});

test('an invalid epq-meta.json inside a signed package is refused naming the key', async () => {
  const files = [
    { name: 'a.ndb', data: Buffer.from('A.Sig:0:*:41424344\n') },
    { name: 'epq-meta.json', data: Buffer.from('{"sideEffects":{"A.Sig":{"companion":["/tmp/x"]}}}') },
  ];
  const bytes = encodeDefinitionsPackage({ sequence: 3, created: '2025-01-01T00:00:00.000Z', certified: false, files, meta: { sideEffects: {} }, signatureCount: 1 }, signer);
  expect(refusal(bytes).reason).toBe('invalid epq-meta.json: sideEffects["A.Sig"].companion: unknown key (allowed here: companions)');
});

test('companion patterns over the limits in a signed package are refused at install, naming the pattern', () => {
  const withMeta = (meta: string) => encodeDefinitionsPackage({
    sequence: 3, created: '2025-01-01T00:00:00.000Z', certified: false, meta: { sideEffects: {} }, signatureCount: 1,
    files: [{ name: 'a.ndb', data: Buffer.from('A.Sig:0:*:41424344\n') }, { name: 'epq-meta.json', data: Buffer.from(meta) }],
  }, signer);
  expect(refusal(withMeta('{"sideEffects":{"A.Sig":{"companions":["/usr/bin/*"]}}}')).reason).toBe(
    'invalid epq-meta.json: sideEffects["A.Sig"].companions[0]: "/usr/bin/*" is a bare glob in the system folder /usr/bin (a glob there must start with at least 3 literal characters, such as "/usr/bin/evil-*")',
  );
  expect(refusal(withMeta('{"sideEffects":{"A.Sig":{"companions":["/tmp/*"]}}}')).reason).toMatch(/"\/tmp\/\*" is a bare glob in the shared folder \/tmp /);
  expect(refusal(withMeta('{"sideEffects":{"A.Sig":{"companions":["/etc/cron*/x"]}}}')).reason).toMatch(/only allowed in the last path component/);
});

test('unknown package kinds, formats and manifest keys are refused clearly', async () => {
  const { manifest, body } = await splitPackage();
  const variants: [Record<string, unknown>, string][] = [
    [{ kind: 'delta' }, 'manifest: unsupported package kind "delta" (this version reads: full, incremental)'],
    [{ kind: 'incremental' }, 'manifest: an incremental package needs "baseSequence", a non-negative integer'],
    [{ kind: 'incremental', baseSequence: 7, added: [], removed: [] }, 'manifest: "baseSequence" 7 must be below "sequence" 7'],
    [{ kind: 'incremental', baseSequence: 6, added: ['nope.ndb'], removed: [] }, 'manifest: added: file nope.ndb is not in "files"'],
    [{ kind: 'incremental', baseSequence: 6, added: [], removed: ['test.ndb'] }, 'manifest: removed: file test.ndb is also in "files"'],
    [{ baseSequence: 6 }, 'manifest: "baseSequence" is only allowed in an incremental package'],
    [{ format: 2 }, 'manifest: unsupported format 2 (this version reads format 1)'],
    [{ extra: true }, 'manifest: unknown key "extra"'],
    [{ sequence: 0 }, 'manifest: "sequence" must be a positive integer'],
    [{ created: 'yesterday' }, 'manifest: "created" must be an ISO 8601 date'],
  ];
  for (const [change, reason] of variants) {
    expect(refusal(signedPackage({ ...(JSON.parse(manifest) as object), ...change }, signer, body)).reason).toBe(reason);
  }
});

test('a malformed manifest or signature line is refused', async () => {
  const { manifest, signature, body } = await splitPackage();
  expect(refusal(joinPackage('{"format":1,', signature, body)).reason).toMatch(/^manifest is not valid JSON/);
  expect(refusal(joinPackage(manifest, 'not base64!', body)).reason).toBe('signature line is not a base64 Ed25519 signature (64 bytes)');
});

test('the encoder refuses what a reader would refuse', () => {
  const files = [{ name: 'sub/a.ndb', data: Buffer.from('A.Sig:0:*:41424344\n') }];
  expect(() => encodeDefinitionsPackage({ sequence: 1, created: '2025-01-01', certified: false, files, meta: { sideEffects: {} }, signatureCount: 1 }, signer, 'new.epqdefs'))
    .toThrow(/^new\.epqdefs: manifest: files\[0\]: unsafe or unsupported file name/);
});

test('inspect reads the manifest without keys; a missing file is a clear error', async () => {
  const header = await inspectDefinitionsPackage(pkgPath);
  expect(header.manifest).toMatchObject({ format: 1, kind: 'full', sequence: 7, certified: true, keyId: trusted.keyId, signatureCount: 2 });
  const hdb = header.manifest.files.find((f) => f.name === 'test.hdb')!;
  expect(hdb.sha256).toBe(createHash('sha256').update(validSourceFiles()['test.hdb']!).digest('hex'));
  await expect(readDefinitionsPackage(join(root, 'nope.epqdefs'), [trusted])).rejects.toThrow(`${join(root, 'nope.epqdefs')}: package file not found`);
});

test('a package written to disk and tampered there is refused when read', async () => {
  const copy = join(root, 'tampered.epqdefs');
  const bytes = Buffer.from(await readFile(pkgPath));
  bytes[bytes.length - 1] ^= 0xff;
  await writeFile(copy, bytes);
  await expect(readDefinitionsPackage(copy, [trusted])).rejects.toThrow(`${copy}: file test.ndb: SHA-256 does not match`);
});
