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
 * as `\xNN`, so that nothing from a name reaches a terminal raw and two different names never
 * look the same. Local stand-in until the shared escaping printer of agent/text/ is merged.
 */
export function showPath(path: FsPath): string {
  const text = typeof path === 'string' ? path : decodeWithEscapes(path);
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\x00-\x1f\x7f\x80-\x9f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** UTF-8 text where each byte of an invalid sequence becomes `\xNN`. */
function decodeWithEscapes(bytes: Buffer): string {
  let out = '';
  let at = 0;
  while (at < bytes.length) {
    const n = validSequenceLength(bytes, at);
    if (n === 0) {
      out += `\\x${bytes[at]!.toString(16).padStart(2, '0')}`;
      at++;
    } else {
      out += bytes.toString('utf8', at, at + n);
      at += n;
    }
  }
  return out;
}

/** Length of the valid UTF-8 sequence starting at `at`, or 0 when there is none. */
function validSequenceLength(b: Buffer, at: number): number {
  const c = b[at]!;
  if (c < 0x80) return 1;
  const n = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
  if (n === 0 || at + n > b.length) return 0;
  for (let i = 1; i < n; i++) if ((b[at + i]! & 0xc0) !== 0x80) return 0;
  // Overlong forms, surrogates and code points past U+10FFFF are invalid too.
  const cp = n === 2 ? 0 : n === 3 ? ((c & 0x0f) << 12) | ((b[at + 1]! & 0x3f) << 6) : ((c & 0x07) << 18) | ((b[at + 1]! & 0x3f) << 12);
  if (n === 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) return 0;
  if (n === 4 && (cp < 0x10000 || cp > 0x10ffff)) return 0;
  return n;
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
