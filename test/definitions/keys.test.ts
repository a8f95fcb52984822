import { generateKeyPairSync } from 'node:crypto';
import { chmod, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DefinitionsKeyError } from '../../definitions/errors.js';
import { computeKeyId, loadSigningKey, loadTrustedKey, writeKeyPair } from '../../definitions/keys.js';
import { makeTempDir, removeDir } from './fixtures.js';

let root: string;
beforeEach(async () => {
  root = await makeTempDir();
});
afterEach(() => removeDir(root));

test('keygen writes a 0600 private key and a public key with the same key id', async () => {
  const pair = await writeKeyPair(join(root, 'pub1'));
  expect(pair.privateKeyPath).toBe(join(root, 'pub1.key'));
  expect(pair.publicKeyPath).toBe(join(root, 'pub1.pub'));
  expect((await stat(pair.privateKeyPath)).mode & 0o777).toBe(0o600);
  expect((await stat(pair.publicKeyPath)).mode & 0o777).toBe(0o644);
  expect(await readFile(pair.privateKeyPath, 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----/);
  expect(await readFile(pair.publicKeyPath, 'utf8')).toMatch(/^-----BEGIN PUBLIC KEY-----/);
  const signing = await loadSigningKey(pair.privateKeyPath);
  const trusted = await loadTrustedKey(pair.publicKeyPath);
  expect(pair.keyId).toMatch(/^[0-9a-f]{16}$/);
  expect(signing.keyId).toBe(pair.keyId);
  expect(trusted.keyId).toBe(pair.keyId);
  expect(computeKeyId(trusted.key)).toBe(pair.keyId);
});

test('keygen keeps 0600 even under a permissive umask', async () => {
  const old = process.umask(0);
  try {
    const pair = await writeKeyPair(join(root, 'k'));
    expect((await stat(pair.privateKeyPath)).mode & 0o777).toBe(0o600);
  } finally {
    process.umask(old);
  }
});

test('keygen refuses to overwrite either file and leaves nothing behind', async () => {
  await writeFile(join(root, 'k.pub'), 'keep me');
  await expect(writeKeyPair(join(root, 'k'))).rejects.toThrow(`${join(root, 'k.pub')}: already exists; refusing to overwrite a key file`);
  await expect(stat(join(root, 'k.key'))).rejects.toMatchObject({ code: 'ENOENT' });
  expect(await readFile(join(root, 'k.pub'), 'utf8')).toBe('keep me');
});

test('a private key readable by others is refused', async () => {
  const pair = await writeKeyPair(join(root, 'k'));
  await chmod(pair.privateKeyPath, 0o640);
  await expect(loadSigningKey(pair.privateKeyPath)).rejects.toThrow(/mode 0640\); run chmod 600 on it$/);
});

test('wrong kinds of key files are refused with the reason', async () => {
  const pair = await writeKeyPair(join(root, 'k'));
  await expect(loadTrustedKey(pair.privateKeyPath)).rejects.toThrow('is a private key; give the public key (.pub) file');
  await expect(loadTrustedKey(join(root, 'missing.pub'))).rejects.toThrow(`${join(root, 'missing.pub')}: public key file not found`);
  await writeFile(join(root, 'junk.pub'), 'hello');
  await expect(loadTrustedKey(join(root, 'junk.pub'))).rejects.toThrow('not a PEM public key');
  const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
  await writeFile(join(root, 'rsa.pub'), rsa.publicKey.export({ type: 'spki', format: 'pem' }));
  const err = await loadTrustedKey(join(root, 'rsa.pub')).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(DefinitionsKeyError);
  expect((err as DefinitionsKeyError).reason).toMatch(/^is a rsa key; definitions are signed with Ed25519 keys/);
});
