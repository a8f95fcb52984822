import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import { lstat, open, readFile, stat, unlink } from 'node:fs/promises';
import { DefinitionsKeyError } from './errors.js';

/** A public key the caller trusts to sign definitions packages. */
export interface TrustedKey {
  readonly keyId: string;
  readonly key: KeyObject;
  /** Where it was loaded from (for messages); empty for keys made in memory. */
  readonly path: string;
}

/** A private key used to sign packages, with the id of its public half. */
export interface SigningKey {
  readonly keyId: string;
  readonly key: KeyObject;
  readonly path: string;
}

/** PEM texts of a fresh key pair. */
export interface KeyPairPem {
  readonly privateKeyPem: string;
  readonly publicKeyPem: string;
  readonly keyId: string;
}

/** File names chosen for a key pair written under a prefix. */
export interface WrittenKeyPair {
  readonly privateKeyPath: string;
  readonly publicKeyPath: string;
  readonly keyId: string;
}

/**
 * Identifies a public key by the first 16 hex digits of the SHA-256 of its SPKI DER encoding;
 * manifests carry it so that a verifier can say which key signed a package.
 * Accepts a private key too (its public half is used). Throws only if node:crypto cannot export it.
 */
export function computeKeyId(key: KeyObject): string {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('hex').slice(0, 16);
}

/** Makes a new Ed25519 key pair as PEM (PKCS#8 private, SPKI public). Does not throw. */
export function createKeyPairPem(): KeyPairPem {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    keyId: computeKeyId(publicKey),
  };
}

/**
 * Writes a new key pair to `<prefix>.key` (mode 0600) and `<prefix>.pub` (mode 0644).
 * Never overwrites: a lost signing key can't be recovered, so replacing one must be deliberate.
 * @throws DefinitionsKeyError when either file exists or can't be written (nothing is left behind).
 */
export async function writeKeyPair(prefix: string): Promise<WrittenKeyPair> {
  const privateKeyPath = `${prefix}.key`;
  const publicKeyPath = `${prefix}.pub`;
  for (const path of [privateKeyPath, publicKeyPath]) {
    if (await pathExists(path)) throw new DefinitionsKeyError(path, 'already exists; refusing to overwrite a key file');
  }
  const pair = createKeyPairPem();
  await writeNewFile(privateKeyPath, pair.privateKeyPem, 0o600);
  try {
    await writeNewFile(publicKeyPath, pair.publicKeyPem, 0o644);
  } catch (err) {
    await unlink(privateKeyPath).catch(() => undefined);
    throw err;
  }
  return { privateKeyPath, publicKeyPath, keyId: pair.keyId };
}

/**
 * Loads an Ed25519 private key from a PEM file. Refuses a key file that other users can read,
 * as ssh does: whoever can read it can sign definitions that every agent trusting it accepts.
 * @throws DefinitionsKeyError when the file is missing, too open, not PEM, or not Ed25519.
 */
export async function loadSigningKey(path: string): Promise<SigningKey> {
  const text = await readKeyFile(path, 'private key');
  const mode = (await stat(path)).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new DefinitionsKeyError(path, `private key is accessible by other users (mode ${mode.toString(8).padStart(4, '0')}); run chmod 600 on it`);
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(text);
  } catch (err) {
    throw new DefinitionsKeyError(path, 'not a PEM private key', { cause: err });
  }
  checkEd25519(key, path);
  return { keyId: computeKeyId(key), key, path };
}

/**
 * Loads an Ed25519 public key from a PEM (SPKI) file.
 * @throws DefinitionsKeyError when the file is missing, holds a private key, or is not Ed25519.
 */
export async function loadTrustedKey(path: string): Promise<TrustedKey> {
  const text = await readKeyFile(path, 'public key');
  // createPublicKey would happily derive a public key from a private one; a private key in the
  // trust list means it has been copied somewhere it should not be, so say so.
  if (text.includes('PRIVATE KEY')) throw new DefinitionsKeyError(path, 'is a private key; give the public key (.pub) file');
  let key: KeyObject;
  try {
    key = createPublicKey(text);
  } catch (err) {
    throw new DefinitionsKeyError(path, 'not a PEM public key', { cause: err });
  }
  checkEd25519(key, path);
  return { keyId: computeKeyId(key), key, path };
}

/**
 * Loads every trusted public key file, in order.
 * @throws DefinitionsKeyError for the first file that can't be used.
 */
export async function loadTrustedKeys(paths: readonly string[]): Promise<TrustedKey[]> {
  const keys: TrustedKey[] = [];
  for (const path of paths) keys.push(await loadTrustedKey(path));
  return keys;
}

/** The public half of a signing key, as a trusted key (used to check a build before writing it). */
export function toTrustedKey(signing: SigningKey): TrustedKey {
  return { keyId: signing.keyId, key: createPublicKey(signing.key), path: signing.path };
}

function checkEd25519(key: KeyObject, path: string): void {
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new DefinitionsKeyError(path, `is a ${key.asymmetricKeyType ?? 'unknown'} key; definitions are signed with Ed25519 keys (make one with \`epq defs keygen\`)`);
  }
}

async function readKeyFile(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    // A missing file needs no errno detail; anything else keeps the fs error as the cause.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new DefinitionsKeyError(path, `${what} file not found`);
    throw new DefinitionsKeyError(path, `can't read the ${what} file`, { cause: err });
  }
}

async function pathExists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw new DefinitionsKeyError(path, "can't check whether it exists", { cause: err });
  }
}

async function writeNewFile(path: string, text: string, mode: number): Promise<void> {
  let handle;
  try {
    // O_EXCL closes the gap between the existence check and the write.
    handle = await open(path, fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL, mode);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new DefinitionsKeyError(path, 'already exists; refusing to overwrite a key file');
    throw new DefinitionsKeyError(path, "can't create the key file", { cause: err });
  }
  try {
    // The umask may have removed bits from the requested mode; set it exactly.
    await handle.chmod(mode);
    await handle.writeFile(text);
    await handle.sync();
  } catch (err) {
    await handle.close().catch(() => undefined);
    await unlink(path).catch(() => undefined);
    throw new DefinitionsKeyError(path, "can't write the key file", { cause: err });
  }
  await handle.close();
}
