import { printable } from './text/printable.js';

/**
 * A path as the file system gave it. Linux names are bytes, not text: a name that is not valid
 * UTF-8 (a Latin-1 `caf\xe9.com`) has no string that Node would turn back into the same bytes,
 * so such a path travels as its bytes. Invariant: a string is exact (its UTF-8 encoding is the
 * name); a Buffer is used only when no string is. Node's fs functions take either.
 */
export type FsPath = string | Buffer;

/** The path for these bytes: a string when that is exact, else the bytes themselves. */
export function fsPathOf(bytes: Buffer): FsPath {
  const text = bytes.toString('utf8');
  return Buffer.byteLength(text) === bytes.length && Buffer.from(text, 'utf8').equals(bytes) ? text : Buffer.from(bytes);
}

export function fsPathBytes(path: FsPath): Buffer {
  return typeof path === 'string' ? Buffer.from(path, 'utf8') : path;
}

/** `dir/name` (one `/` between them), kept exact. */
export function joinFsPath(dir: FsPath, name: FsPath): FsPath {
  if (typeof dir === 'string' && typeof name === 'string') return dir.endsWith('/') ? `${dir}${name}` : `${dir}/${name}`;
  const d = fsPathBytes(dir);
  const sep = d.length > 0 && d[d.length - 1] === 0x2f ? [] : [Buffer.from('/')];
  return fsPathOf(Buffer.concat([d, ...sep, fsPathBytes(name)]));
}

/** The folder part of a path (like path.dirname), kept exact. */
export function dirnameFsPath(path: FsPath): FsPath {
  const b = fsPathBytes(path);
  let end = b.length;
  while (end > 1 && b[end - 1] === 0x2f) end--;
  const slash = b.lastIndexOf(0x2f, end - 1);
  if (slash < 0) return '.';
  if (slash === 0) return '/';
  return fsPathOf(b.subarray(0, slash));
}

/** The last component of a path (like path.basename), kept exact. */
export function basenameFsPath(path: FsPath): FsPath {
  const b = fsPathBytes(path);
  let end = b.length;
  while (end > 1 && b[end - 1] === 0x2f) end--;
  return fsPathOf(b.subarray(b.lastIndexOf(0x2f, end - 1) + 1, end));
}

/**
 * A path for people and for text fields: bytes that are not valid UTF-8, and control characters,
 * escaped by the one printer every human output uses, so that nothing from a name reaches a
 * terminal raw and two different names never look the same.
 */
export function showPath(path: FsPath): string {
  return printable(path);
}

/** Text for matching globs and exceptions: exact for a string; invalid bytes as U+FFFD otherwise. */
export function fsPathText(path: FsPath): string {
  return typeof path === 'string' ? path : path.toString('utf8');
}

/** A key for Maps and Sets that keeps different byte paths apart. */
export function fsPathKey(path: FsPath): string {
  return typeof path === 'string' ? path : `\0${path.toString('latin1')}`;
}

/** A path that crossed a worker boundary (structured clone turns a Buffer into a Uint8Array), as an FsPath again. */
export function reviveFsPath(path: string | Uint8Array): FsPath {
  return typeof path === 'string' ? path : Buffer.from(path.buffer, path.byteOffset, path.byteLength);
}
