import { QuarantineError } from './quarantine-errors.js';
import type { QuarantineItem } from './quarantine-item.js';

/**
 * What a package says about its item (encrypted and authenticated inside it, format version 2):
 * everything known when it is written, so the item's record can be rebuilt from the package
 * alone. Size and SHA-256 are not in it: they are known only once the file has been read, and
 * are computed again from the content when a record is rebuilt.
 */
export type PackageMetadata = Pick<QuarantineItem,
  | 'id' | 'fileName' | 'originalPath' | 'dev' | 'ino' | 'mode' | 'uid' | 'gid' | 'atimeMs' | 'mtimeMs'
  | 'atimeNs' | 'mtimeNs' | 'userName' | 'computer' | 'quarantinedAt' | 'virusName' | 'detections'
  | 'definitionsSequence' | 'sideEffects'
> & {
  /** The original path's bytes, base64, when they are not valid UTF-8 (the record holds them as a Buffer). */
  readonly originalPathBytes?: string;
};

/** Bumped when a field changes meaning; readers refuse a newer one. */
const METADATA_FORMAT = 1;

export function encodeMetadata(meta: PackageMetadata): Buffer {
  return Buffer.from(JSON.stringify({ format: METADATA_FORMAT, ...meta }), 'utf8');
}

const NUMBERS = ['dev', 'ino', 'mode', 'uid', 'gid', 'atimeMs', 'mtimeMs', 'definitionsSequence'] as const;
const STRINGS = ['id', 'fileName', 'originalPath', 'userName', 'computer', 'quarantinedAt', 'virusName'] as const;

/**
 * The metadata of package `id` (already authenticated by its tag), checked field by field.
 * @throws QuarantineError `malformed` naming the package and the field that is wrong.
 */
export function decodeMetadata(bytes: Buffer, id: string, path: string): PackageMetadata {
  const bad = (what: string): QuarantineError => new QuarantineError('malformed', `quarantine package ${path} has unusable metadata (${what})`, { id, path });
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw bad('not JSON');
  }
  if (typeof value !== 'object' || value === null) throw bad('not an object');
  const v = value as Record<string, unknown>;
  if (v['format'] !== METADATA_FORMAT) throw bad(`format ${String(v['format'])}, expected ${METADATA_FORMAT}`);
  for (const k of NUMBERS) if (typeof v[k] !== 'number' || !Number.isFinite(v[k])) throw bad(k);
  for (const k of STRINGS) if (typeof v[k] !== 'string') throw bad(k);
  if (v['id'] !== id) throw bad('id does not match the file name');
  for (const k of ['atimeNs', 'mtimeNs'] as const) {
    const ms = k === 'atimeNs' ? 'atimeMs' : 'mtimeMs';
    if (v[k] === undefined) v[k] = nanosecondsOf(v[ms] as number);
    else if (typeof v[k] !== 'string' || !/^-?[0-9]+$/.test(v[k])) throw bad(k);
  }
  if (v['originalPathBytes'] !== undefined && typeof v['originalPathBytes'] !== 'string') throw bad('originalPathBytes');
  if (!Array.isArray(v['detections'])) throw bad('detections');
  if (!Array.isArray(v['sideEffects']) || v['sideEffects'].some((e) => typeof e !== 'object' || e === null || typeof (e as Record<string, unknown>)['kind'] !== 'string')) {
    throw bad('sideEffects');
  }
  const { format: _format, ...meta } = v;
  return meta as unknown as PackageMetadata;
}

/** Milliseconds as Node's Stats gave them, to the microsecond they carry, as nanoseconds. */
function nanosecondsOf(ms: number): string {
  return (BigInt(Math.round(ms * 1000)) * 1000n).toString();
}
