import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { createPackageDecipher, HEADER_LENGTH, MetadataPrefix, packageVersion, TRAILER_LENGTH } from '../quarantine/package-cipher.js';
import { QuarantineError } from '../quarantine/quarantine-errors.js';
import type { QuarantineItem } from '../quarantine/quarantine-item.js';

/**
 * The quarantine's blobs (package-cipher.ts) are read here again, asynchronously, because the
 * quarantine's reader is synchronous (it would hand a whole package to the socket at once); a
 * test checks both readers agree byte for byte.
 */
const READ_CHUNK = 256 * 1024;

async function readAt(fh: FileHandle, length: number, position: number, path: string, id: string): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  const { bytesRead } = await fh.read(buf, 0, length, position);
  if (bytesRead !== length) throw new QuarantineError('content', `quarantine package ${path} is damaged (short read)`, { id, path });
  return buf;
}

/** The ciphertext between `from` and `to`, a chunk at a time (each valid until the next). */
async function* readChunks(fh: FileHandle, from: number, to: number): AsyncGenerator<Buffer> {
  const buf = Buffer.allocUnsafe(READ_CHUNK);
  for (let at = from; at < to; ) {
    const { bytesRead } = await fh.read(buf, 0, Math.min(READ_CHUNK, to - at), at);
    if (bytesRead === 0) return;
    at += bytesRead;
    yield buf.subarray(0, bytesRead);
  }
}

/**
 * Decrypts the ciphertext pieces and yields the first `item.size` plain bytes, holding the last
 * piece back until the tag checks out.
 * @throws QuarantineError `content` for a bad header, a failed tag or a short package.
 */
async function* decryptMain(header: Buffer, tag: Buffer, pieces: Iterable<Buffer> | AsyncIterable<Buffer>, key: Buffer, item: QuarantineItem, path: string): AsyncGenerator<Buffer> {
  const decipher = createPackageDecipher(header, tag, key, item.id, path);
  // The metadata of a version 2 package is decrypted and dropped: the server gets the file only.
  const prefix = new MetadataPrefix(packageVersion(header, item.id, path), item.id, path);
  let mainLeft = item.size;
  let held: Buffer | null = null;
  for await (const piece of pieces) {
    // update() returns a new buffer, so `held` survives the next read into the same one.
    const plain = prefix.take(decipher.update(piece));
    const take = Math.min(mainLeft, plain.length);
    if (take === 0) continue;
    mainLeft -= take;
    if (held) yield held;
    held = plain.subarray(0, take);
  }
  try {
    decipher.final();
  } catch (err) {
    throw new QuarantineError('content', `quarantine package ${path} failed its integrity check (tampered or damaged)`, { id: item.id, path }, { cause: err });
  }
  if (mainLeft > 0) throw new QuarantineError('content', `quarantine package of ${item.id} is shorter than its record (${mainLeft} bytes missing)`, { id: item.id, path });
  if (held) yield held;
}

/**
 * The quarantined file's plain bytes, decrypted from its package as they are asked for (so a
 * socket's backpressure paces the disk and memory stays at one 256 KiB chunk; a package no
 * bigger than that is read at once). Side-effect bytes that
 * follow the file in the package are decrypted and dropped, because the tag covers them. The
 * last chunk of the file is held back until the tag has checked out, so a tampered package
 * can never complete an upload.
 * @throws QuarantineError `missing` (no package), `content` (damaged, tampered, or not as long
 *   as its record says).
 */
export async function* streamSample(blobPath: string, key: Buffer, item: QuarantineItem): AsyncGenerator<Buffer> {
  const small = readSmallPackage(blobPath, item);
  if (small) {
    const size = small.length;
    yield* decryptMain(small.subarray(0, HEADER_LENGTH), small.subarray(size - TRAILER_LENGTH), [small.subarray(HEADER_LENGTH, size - TRAILER_LENGTH)], key, item, blobPath);
    return;
  }
  let fh: FileHandle;
  try {
    fh = await open(blobPath, 'r');
  } catch (err) {
    throw missing(blobPath, item, err);
  }
  try {
    const size = (await fh.stat()).size;
    const header = await readAt(fh, HEADER_LENGTH, 0, blobPath, item.id);
    const tag = await readAt(fh, TRAILER_LENGTH, size - TRAILER_LENGTH, blobPath, item.id);
    yield* decryptMain(header, tag, readChunks(fh, HEADER_LENGTH, size - TRAILER_LENGTH), key, item, blobPath);
  } finally {
    await fh.close();
  }
}

function missing(path: string, item: QuarantineItem, err: unknown): QuarantineError {
  return new QuarantineError('missing', `quarantine package ${path} is missing: ${(err as Error).message}`, { id: item.id, path }, { cause: err });
}

/**
 * A package of up to one chunk, read whole with blocking calls: most packages are small, and
 * four thread-pool round trips cost more than reading one local file directly. Null for a
 * bigger package, which is read in chunks without blocking.
 * @throws QuarantineError `missing` (no package) or `content` (too short to be one).
 */
function readSmallPackage(path: string, item: QuarantineItem): Buffer | null {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw missing(path, item, err);
  }
  try {
    const size = fstatSync(fd).size;
    if (size < HEADER_LENGTH + TRAILER_LENGTH) throw new QuarantineError('content', `quarantine package ${path} is damaged (too short)`, { id: item.id, path });
    if (size > READ_CHUNK) return null;
    const buf = Buffer.allocUnsafe(size);
    let got = 0;
    for (let n; got < size && (n = readSync(fd, buf, got, size - got, got)) > 0; ) got += n;
    if (got !== size) throw new QuarantineError('content', `quarantine package ${path} is damaged (short read)`, { id: item.id, path });
    return buf;
  } finally {
    closeSync(fd);
  }
}
