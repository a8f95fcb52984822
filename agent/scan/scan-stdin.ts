import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { compileEngine } from '../../scanner/engine.js';
import type { SignatureDatabase } from '../../scanner/signature-database.js';
import type { Detection } from '../../scanner/types.js';

/** How a scan names its standard input, as clamscan does. */
export const STDIN_NAME = 'stdin';

export type StdinScanOutcome =
  | { readonly kind: 'scanned'; readonly size: number; readonly detections: readonly Detection[] }
  | { readonly kind: 'skipped'; readonly size: number; readonly reason: string };

export interface StdinScanOptions {
  /** 0 = no limit; beyond it the input is drained and reported as skipped. */
  readonly maxFileSize: number;
  readonly filterDetections?: (sha256: () => string, found: readonly Detection[]) => readonly Detection[];
}

/**
 * Scans everything read from `input` as one file. The bytes are held in memory because the
 * engine needs the total size before it starts (offsets from the end, hash sizes); --max-filesize
 * bounds that.
 * @throws Error when reading the stream fails.
 */
export async function scanStdin(database: SignatureDatabase, input: Readable, options: StdinScanOptions): Promise<StdinScanOutcome> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of input) {
    const bytes = chunk as Buffer;
    size += bytes.length;
    if (options.maxFileSize === 0 || size <= options.maxFileSize) chunks.push(bytes);
  }
  if (options.maxFileSize > 0 && size > options.maxFileSize) {
    return { kind: 'skipped', size, reason: `larger than --max-filesize (${size} bytes)` };
  }
  const bytes = Buffer.concat(chunks, size);
  const found = compileEngine(database).scanBuffer(bytes).detections;
  const sha256 = (): string => createHash('sha256').update(bytes).digest('hex');
  const detections = options.filterDetections && found.length > 0 ? options.filterDetections(sha256, found) : found;
  return { kind: 'scanned', size, detections };
}
