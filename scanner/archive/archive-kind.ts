export type ArchiveKind = 'zip' | 'gzip' | 'tar' | 'bzip2' | 'xz';

/**
 * Tells a container by its first bytes (at least 512 of them for tar, when the file has them).
 * Returns null for anything else.
 */
export function detectArchiveKind(head: Uint8Array): ArchiveKind | null {
  if (head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && ((head[2] === 3 && head[3] === 4) || (head[2] === 5 && head[3] === 6))) return 'zip';
  if (head.length >= 3 && head[0] === 0x1f && head[1] === 0x8b && head[2] === 8) return 'gzip';
  if (head.length >= 4 && head[0] === 0x42 && head[1] === 0x5a && head[2] === 0x68 && head[3]! >= 0x31 && head[3]! <= 0x39) return 'bzip2';
  if (head.length >= 6 && head[0] === 0xfd && head[1] === 0x37 && head[2] === 0x7a && head[3] === 0x58 && head[4] === 0x5a && head[5] === 0) return 'xz';
  if (head.length >= 512 && isTarHeader(head.subarray(0, 512))) return 'tar';
  return null;
}

/** A tar header block: its checksum field matches the sum of its bytes (the checksum counted as spaces). */
export function isTarHeader(block: Uint8Array): boolean {
  if (block.length < 512 || block[0] === 0) return false;
  const stored = parseOctal(block.subarray(148, 156));
  if (stored === null) return false;
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : block[i]!;
  return sum === stored;
}

/** An octal number field of a tar header, or GNU's base-256 form; null when it is neither. */
export function parseOctal(field: Uint8Array): number | null {
  if (field.length > 0 && (field[0]! & 0x80) !== 0) {
    let v = field[0]! & 0x7f;
    for (let i = 1; i < field.length; i++) v = v * 256 + field[i]!;
    return v;
  }
  let v = 0;
  let digits = 0;
  for (const b of field) {
    if (b === 0 || b === 0x20) {
      if (digits > 0) break;
      continue;
    }
    if (b < 0x30 || b > 0x37) return null;
    v = v * 8 + (b - 0x30);
    digits++;
  }
  return digits > 0 ? v : null;
}
