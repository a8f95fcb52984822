import { createCipheriv, createDecipheriv, type CipherGCM, type DecipherGCM } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { QuarantineError } from './quarantine-errors.js';
import { pooledRandomBytes } from './random-pool.js';

/**
 * Blob layout: magic (4) | version (1) | IV (12) | AES-256-GCM ciphertext | tag (16).
 * Version 1: the plaintext is the file, then the side-effect bytes.
 * Version 2: the plaintext starts with the item's metadata (length as u32 big-endian, then
 * JSON), so the package describes itself and the index can be rebuilt from it when the database
 * is lost; the tag covers it like the rest. Both versions are read.
 */
const MAGIC = Buffer.from('EPQQ');
const VERSION = 2;
const READABLE_VERSIONS: ReadonlySet<number> = new Set([1, 2]);
/** Far more than any item's metadata; a bigger length means a damaged package. */
const MAX_METADATA = 4 << 20;
const IV_LENGTH = 12;
const TAG_LENGTH = 16;
export const HEADER_LENGTH = MAGIC.length + 1 + IV_LENGTH;
export const TRAILER_LENGTH = TAG_LENGTH;
const READ_CHUNK = 1 << 20;
/**
 * Plaintext is handed out in pieces this big, so that it is still in the L2 cache when the caller
 * scans or writes it (OpenSSL's GCM also runs faster on 16-64 KB calls than on 1 MB ones).
 */
const DECRYPT_SLICE = 1 << 16;

/**
 * The decipher for a package, from its header (magic, version, IV) and tag.
 * @throws QuarantineError `content` when the header is not a package's.
 */
export function createPackageDecipher(header: Buffer, tag: Buffer, key: Buffer, id: string, path: string): DecipherGCM {
  packageVersion(header, id, path);
  const decipher = createDecipheriv('aes-256-gcm', key, header.subarray(MAGIC.length + 1, HEADER_LENGTH));
  decipher.setAAD(Buffer.from(id));
  decipher.setAuthTag(tag);
  return decipher;
}

/**
 * The format version of a package from its header.
 * @throws QuarantineError `content` when the header is not a package's (or a version this epq can't read).
 */
export function packageVersion(header: Buffer, id: string, path: string): number {
  if (header.length < HEADER_LENGTH || !header.subarray(0, MAGIC.length).equals(MAGIC) || !READABLE_VERSIONS.has(header[MAGIC.length]!)) throw damaged(path, id);
  return header[MAGIC.length]!;
}

function damaged(path: string, id: string, what = 'bad header'): QuarantineError {
  return new QuarantineError('content', `quarantine package ${path} is damaged (${what})`, { id, path });
}

/**
 * Takes the metadata off the front of a package's plaintext (version 2; version 1 has none), as
 * it is decrypted piece by piece. The metadata is provisional until the tag has checked out.
 */
export class MetadataPrefix {
  private readonly parts: Buffer[] = [];
  private got = 0;
  private need: number;
  /** The metadata bytes once read whole; null for a version 1 package. */
  metadata: Buffer | null = null;

  constructor(version: number, private readonly id: string, private readonly path: string) {
    this.need = version === 1 ? 0 : 4;
  }

  /** Whether the prefix was read whole (always, for version 1). */
  get done(): boolean {
    return this.need === 0;
  }

  /**
   * The part of `plain` past the metadata.
   * @throws QuarantineError `content` for an impossible metadata length.
   */
  take(plain: Buffer): Buffer {
    let rest = plain;
    while (this.need > 0 && rest.length > 0) {
      const n = Math.min(this.need - this.got, rest.length);
      this.parts.push(Buffer.from(rest.subarray(0, n)));
      this.got += n;
      rest = rest.subarray(n);
      if (this.got < this.need) break;
      const whole = Buffer.concat(this.parts.splice(0));
      this.got = 0;
      if (this.metadata === null && whole.length === 4) {
        const length = whole.readUInt32BE(0);
        if (length > MAX_METADATA) throw damaged(this.path, this.id, 'metadata length out of range');
        this.metadata = Buffer.alloc(0);
        this.need = length;
        if (length === 0) this.need = 0;
      } else {
        this.metadata = whole;
        this.need = 0;
      }
    }
    return rest;
  }
}

/** Reads until `buf` is full or the file ends; returns the bytes read. */
function readFully(fd: number, buf: Buffer, position: number): number {
  let got = 0;
  for (let n; got < buf.length && (n = readSync(fd, buf, got, buf.length - got, position + got)) > 0; ) got += n;
  return got;
}

/**
 * Encrypts a package as a stream. The item id is authenticated data, so a blob renamed to
 * another item's name fails to decrypt instead of restoring the wrong file.
 */
export class PackageEncryptor {
  private readonly cipher: CipherGCM;
  /** The bytes a package starts with: header, then the encrypted metadata. */
  readonly start: Buffer;

  constructor(key: Buffer, id: string, metadata: Buffer) {
    // A fresh random IV per package: with one key for every package, an IV must never repeat.
    const iv = pooledRandomBytes(IV_LENGTH);
    this.cipher = createCipheriv('aes-256-gcm', key, iv);
    this.cipher.setAAD(Buffer.from(id));
    const length = Buffer.alloc(4);
    length.writeUInt32BE(metadata.length);
    this.start = Buffer.concat([MAGIC, Buffer.from([VERSION]), iv, this.cipher.update(length), this.cipher.update(metadata)]);
  }

  update(plain: Uint8Array): Buffer {
    return this.cipher.update(plain);
  }

  /** The last ciphertext bytes followed by the tag. */
  final(): Buffer {
    return Buffer.concat([this.cipher.final(), this.cipher.getAuthTag()]);
  }
}

/**
 * Decrypts a package blob in chunks, calling `onPlain` with each piece of the content (valid
 * only during the call), the metadata of a version 2 package taken off first. Plaintext is
 * handed out before the tag is checked, so callers must treat it as provisional until this
 * returns: a tampered blob throws at the end.
 * @returns the package's metadata bytes (authenticated), or null for a version 1 package.
 * @throws QuarantineError `content` for a damaged or tampered blob, `missing` if it is gone,
 *   `internal` if it can't be opened (EMFILE, EACCES).
 */
export function decryptPackage(path: string, key: Buffer, id: string, onPlain: (chunk: Buffer) => void): Buffer | null {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    // Out of descriptors (a storm under a low limit) is no missing package: `internal`, retried.
    const gone = (err as NodeJS.ErrnoException).code === 'ENOENT';
    throw new QuarantineError(gone ? 'missing' : 'internal', `quarantine package ${path} ${gone ? 'is missing' : "can't be opened"}: ${(err as Error).message}`, { id, path }, { cause: err });
  }
  try {
    const size = fstatSync(fd).size;
    if (size < HEADER_LENGTH + TAG_LENGTH) throw damaged(path, id);
    // A small package is read whole in one call; a big one in 1 MB pieces after its header and tag.
    const whole = size <= READ_CHUNK;
    const buf = Buffer.allocUnsafe(whole ? size : READ_CHUNK);
    let header: Buffer;
    let tag: Buffer;
    if (whole) {
      if (readFully(fd, buf, 0) !== size) throw damaged(path, id);
      header = buf.subarray(0, HEADER_LENGTH);
      tag = buf.subarray(size - TAG_LENGTH);
    } else {
      header = Buffer.alloc(HEADER_LENGTH);
      tag = Buffer.alloc(TAG_LENGTH);
      if (readSync(fd, header, 0, HEADER_LENGTH, 0) !== HEADER_LENGTH || readSync(fd, tag, 0, TAG_LENGTH, size - TAG_LENGTH) !== TAG_LENGTH) throw damaged(path, id);
    }
    const decipher = createPackageDecipher(header, tag, key, id, path);
    const prefix = new MetadataPrefix(packageVersion(header, id, path), id, path);
    let decryptedTail: Buffer | undefined;
    const end = size - TAG_LENGTH;
    const decryptSlices = (cipherText: Buffer): void => {
      for (let at = 0; at < cipherText.length; at += DECRYPT_SLICE) {
        const plain = prefix.take(decipher.update(cipherText.subarray(at, Math.min(at + DECRYPT_SLICE, cipherText.length))));
        if (plain.length > 0) onPlain(plain);
      }
    };
    if (whole) {
      decryptSlices(buf.subarray(HEADER_LENGTH, end));
    } else {
      for (let at = HEADER_LENGTH; at < end; ) {
        const n = readSync(fd, buf, 0, Math.min(buf.length, end - at), at);
        if (n === 0) break;
        at += n;
        decryptSlices(buf.subarray(0, n));
      }
    }
    try {
      const last = decipher.final();
      if (last.length > 0) decryptedTail = last;
    } catch (err) {
      throw new QuarantineError('content', `quarantine package ${path} failed its integrity check (tampered or damaged)`, { id, path }, { cause: err });
    }
    if (decryptedTail) {
      const plain = prefix.take(decryptedTail);
      if (plain.length > 0) onPlain(plain);
    }
    if (!prefix.done) throw damaged(path, id, 'metadata cut short');
    return prefix.metadata;
  } finally {
    closeSync(fd);
  }
}
