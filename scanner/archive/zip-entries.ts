import { readRange, type ByteSource } from './byte-source.js';

/** One member as the central directory describes it. */
export interface ZipEntry {
  readonly name: string;
  readonly method: number;
  readonly encrypted: boolean;
  readonly compressedSize: number;
  readonly size: number;
  readonly localHeaderOffset: number;
}

export interface ZipDirectory {
  readonly entries: readonly ZipEntry[];
  /** Entries the directory declares beyond those read (the count limit stopped the reading). */
  readonly more: boolean;
  /** Why the directory could not be read, when it could not. */
  readonly problem?: string;
}

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

const u16 = (b: Uint8Array, at: number): number => b[at]! | (b[at + 1]! << 8);
const u32 = (b: Uint8Array, at: number): number => (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;
const u64 = (b: Uint8Array, at: number): number => u32(b, at) + u32(b, at + 4) * 2 ** 32;

/**
 * Reads a zip's central directory (zip64 too), at most `maxEntries` entries. Only the directory
 * is trusted for sizes and offsets, as ClamAV does; a damaged zip gives `problem`, never a throw.
 */
export function readZipDirectory(source: ByteSource, maxEntries: number): ZipDirectory {
  const tailLength = Math.min(source.size, 22 + 65535);
  const tail = readRange(source, source.size - tailLength, tailLength);
  let eocd = -1;
  for (let i = tail.length - 22; i >= 0; i--) if (u32(tail, i) === EOCD) { eocd = i; break; }
  if (eocd < 0) return { entries: [], more: false, problem: 'no end of central directory' };
  let count = u16(tail, eocd + 10);
  let dirSize = u32(tail, eocd + 12);
  let dirOffset = u32(tail, eocd + 16);
  const locatorAt = source.size - tailLength + eocd - 20;
  if (locatorAt >= 0 && (count === 0xffff || dirOffset === 0xffffffff || dirSize === 0xffffffff)) {
    const locator = readRange(source, locatorAt, 20);
    if (locator.length === 20 && u32(locator, 0) === ZIP64_LOCATOR) {
      const record = readRange(source, u64(locator, 8), 56);
      if (record.length === 56 && u32(record, 0) === ZIP64_EOCD) {
        count = u64(record, 32);
        dirSize = u64(record, 40);
        dirOffset = u64(record, 48);
      }
    }
  }
  const entries: ZipEntry[] = [];
  const dir = readRange(source, dirOffset, Math.min(dirSize, source.size));
  let at = 0;
  while (at + 46 <= dir.length && entries.length < Math.min(count, maxEntries) && u32(dir, at) === CENTRAL) {
    const nameLength = u16(dir, at + 28);
    const extraLength = u16(dir, at + 30);
    const commentLength = u16(dir, at + 32);
    const name = new TextDecoder().decode(dir.subarray(at + 46, at + 46 + nameLength));
    const wide = readZip64Extra(dir.subarray(at + 46 + nameLength, at + 46 + nameLength + extraLength), {
      size: u32(dir, at + 24),
      compressedSize: u32(dir, at + 20),
      localHeaderOffset: u32(dir, at + 42),
    });
    entries.push({ name, method: u16(dir, at + 10), encrypted: (u16(dir, at + 8) & 1) !== 0, ...wide });
    at += 46 + nameLength + extraLength + commentLength;
  }
  const more = count > entries.length && entries.length >= maxEntries;
  return entries.length < count && !more ? { entries, more, problem: 'central directory ends early' } : { entries, more };
}

interface WideFields {
  size: number;
  compressedSize: number;
  localHeaderOffset: number;
}

/** Zip64 keeps the real value of each 32-bit field that holds 0xffffffff in extra field 0x0001, in this order. */
function readZip64Extra(extra: Uint8Array, fields: WideFields): WideFields {
  const out = { ...fields };
  let at = 0;
  while (at + 4 <= extra.length) {
    const id = u16(extra, at);
    const length = u16(extra, at + 2);
    if (id === 1) {
      let p = at + 4;
      for (const key of ['size', 'compressedSize', 'localHeaderOffset'] as const) {
        if (out[key] === 0xffffffff && p + 8 <= at + 4 + length) {
          out[key] = u64(extra, p);
          p += 8;
        }
      }
    }
    at += 4 + length;
  }
  return out;
}

/** Where an entry's data starts (after its local header), or null when the local header is not there. */
export function locateZipData(source: ByteSource, entry: ZipEntry): number | null {
  const header = readRange(source, entry.localHeaderOffset, 30);
  if (header.length < 30 || u32(header, 0) !== LOCAL) return null;
  return entry.localHeaderOffset + 30 + u16(header, 26) + u16(header, 28);
}
