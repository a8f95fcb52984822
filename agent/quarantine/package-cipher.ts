import { createCipheriv, createDecipheriv, type CipherGCM, type DecipherGCM } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { QuarantineError } from './quarantine-errors.js';
import { pooledRandomBytes } from './random-pool.js';

/** Blob layout: magic (4) | version (1) | IV (12) | AES-256-GCM ciphertext | tag (16). */
const MAGIC = Buffer.from('EPQQ');
const VERSION = 1;
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
  if (header.length < HEADER_LENGTH || !header.subarray(0, MAGIC.length).equals(MAGIC) || header[MAGIC.length] !== VERSION) throw damaged(path, id);
  const decipher = createDecipheriv('aes-256-gcm', key, header.subarray(MAGIC.length + 1, HEADER_LENGTH));
  decipher.setAAD(Buffer.from(id));
  decipher.setAuthTag(tag);
  return decipher;
}

function damaged(path: string, id: string): QuarantineError {
  return new QuarantineError('content', `quarantine package ${path} is damaged (bad header)`, { id, path });
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
  readonly header: Buffer;

  constructor(key: Buffer, id: string) {
    // A fresh random IV per package: with one key for every package, an IV must never repeat.
    const iv = pooledRandomBytes(IV_LENGTH);
    this.cipher = createCipheriv('aes-256-gcm', key, iv);
    this.cipher.setAAD(Buffer.from(id));
    this.header = Buffer.concat([MAGIC, Buffer.from([VERSION]), iv]);
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
 * Decrypts a package blob in chunks, calling `onPlain` with each piece (valid only during the
 * call). Plaintext is handed out before the tag is checked, so callers must treat it as
 * provisional until this returns: a tampered blob throws at the end.
 * @throws QuarantineError `content` for a damaged or tampered blob, `missing` if it is gone,
 *   `internal` if it can't be opened (EMFILE, EACCES).
 */
export function decryptPackage(path: string, key: Buffer, id: string, onPlain: (chunk: Buffer) => void): void {
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
    const end = size - TAG_LENGTH;
    const decryptSlices = (cipherText: Buffer): void => {
      for (let at = 0; at < cipherText.length; at += DECRYPT_SLICE) {
        onPlain(decipher.update(cipherText.subarray(at, Math.min(at + DECRYPT_SLICE, cipherText.length))));
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
      if (last.length > 0) onPlain(last);
    } catch (err) {
      throw new QuarantineError('content', `quarantine package ${path} failed its integrity check (tampered or damaged)`, { id, path }, { cause: err });
    }
  } finally {
    closeSync(fd);
  }
}
