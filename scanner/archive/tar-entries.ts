import { isTarHeader, parseOctal } from './archive-kind.js';
import { readRange, type ByteSource } from './byte-source.js';

export interface TarEntry {
  readonly name: string;
  /** Regular files are scanned; links, folders and devices have no content to scan. */
  readonly regular: boolean;
  readonly size: number;
  readonly dataOffset: number;
}

/**
 * Visits the members of a tar (ustar, pax and GNU long names). Stops at the end marker, at a
 * block that is not a header, or when `visit` returns false.
 */
export function visitTarEntries(source: ByteSource, visit: (entry: TarEntry) => boolean): void {
  let at = 0;
  let longName: string | null = null;
  let paxPath: string | null = null;
  while (at + 512 <= source.size) {
    const block = readRange(source, at, 512);
    if (!isTarHeader(block)) return;
    const size = parseOctal(block.subarray(124, 136)) ?? 0;
    const type = block[156]!;
    const dataOffset = at + 512;
    at = dataOffset + Math.ceil(size / 512) * 512;
    if (type === 0x4c /* L: GNU long name */ || type === 0x78 /* x: pax */) {
      const data = readRange(source, dataOffset, Math.min(size, 65536));
      if (type === 0x4c) longName = cString(data);
      else paxPath = readPaxPath(data) ?? paxPath;
      continue;
    }
    if (type === 0x67 /* g: pax global */ || type === 0x4b /* K: GNU long link */) continue;
    const name = paxPath ?? longName ?? headerName(block);
    paxPath = null;
    longName = null;
    const regular = type === 0 || type === 0x30 || type === 0x37;
    if (!visit({ name, regular, size, dataOffset })) return;
  }
}

function cString(bytes: Uint8Array): string {
  const end = bytes.indexOf(0);
  return new TextDecoder().decode(end < 0 ? bytes : bytes.subarray(0, end));
}

function headerName(block: Uint8Array): string {
  const name = cString(block.subarray(0, 100));
  const ustar = cString(block.subarray(257, 262)) === 'ustar';
  const prefix = ustar ? cString(block.subarray(345, 500)) : '';
  return prefix ? `${prefix}/${name}` : name;
}

/** Pax records are `LEN key=value\n`. */
function readPaxPath(data: Uint8Array): string | null {
  const text = new TextDecoder().decode(data);
  let at = 0;
  let path: string | null = null;
  while (at < text.length) {
    const space = text.indexOf(' ', at);
    const length = Number.parseInt(text.slice(at, space), 10);
    if (space < 0 || !Number.isFinite(length) || length <= 0) break;
    const record = text.slice(space + 1, at + length - 1);
    if (record.startsWith('path=')) path = record.slice(5);
    at += length;
  }
  return path;
}
