import { createHash, type Hash } from 'node:crypto';
import { BodyScan } from './body-scan.js';
import type { Engine } from './engine.js';
import { lookupDigest } from './hash-table.js';
import type { ScanLimits } from './scan-limits.js';
import type { Detection, HashAlgorithm, ScanResult } from './types.js';

/**
 * One file going through an engine. Feed it with `update` (copies) or, to avoid a copy, read
 * straight into `writable()` and `commit(n)`. Call `finish` once after the last byte.
 */
export class ScanSession {
  private readonly body: BodyScan | null;
  private readonly hashes: { algorithm: HashAlgorithm; hash: Hash }[];
  private received = 0;

  constructor(private readonly engine: Engine, readonly size: number, chunk?: number, limits: ScanLimits = engine.limits) {
    this.body = engine.body.parts.length > 0 ? new BodyScan(engine.body, size, chunk, limits) : null;
    this.hashes = engine.hashesFor(size).map((algorithm) => ({ algorithm, hash: createHash(algorithm) }));
  }

  /** Buffer space for the next read (at least `min` bytes). */
  writable(min = 65536): Uint8Array {
    if (this.body) return this.body.writable(min);
    if (!this.scratch || this.scratch.length < min) this.scratch = new Uint8Array(Math.max(min, 1 << 20));
    return this.scratch;
  }
  private scratch: Uint8Array | undefined;

  /** Marks `n` bytes at the start of the last `writable()` buffer as read. */
  commit(n: number): void {
    if (n <= 0) return;
    const buf = this.writable(0);
    const chunk = buf.subarray(0, n);
    for (const h of this.hashes) h.hash.update(chunk);
    this.received += n;
    this.body?.commit(n);
  }

  update(bytes: Uint8Array): void {
    let at = 0;
    while (at < bytes.length) {
      const room = this.writable(1);
      const n = Math.min(room.length, bytes.length - at);
      room.set(bytes.subarray(at, at + n));
      this.commit(n);
      at += n;
    }
  }

  /** Steps the body scan has taken so far (see ScanLimits). */
  get work(): number {
    return this.body?.work ?? 0;
  }

  finish(): ScanResult {
    this.body?.finish();
    const detections: Detection[] = this.body ? [...this.body.detections] : [];
    let allowListed = false;
    for (const { algorithm, hash } of this.hashes) {
      const digest = hash.digest();
      for (const table of this.engine.allowTables) {
        if (table.algorithm === algorithm && lookupDigest(table, digest, this.received).length > 0) allowListed = true;
      }
      for (const table of this.engine.hashTables) {
        if (table.algorithm !== algorithm) continue;
        for (const name of lookupDigest(table, digest, this.received)) detections.push({ signature: name, kind: 'hash' });
      }
    }
    const kept = allowListed ? [] : detections.filter((d) => !this.engine.ignored.has(d.signature));
    const limitExceeded = this.body?.limitExceeded ?? null;
    const result = { detections: dedupe(kept), allowListed, size: this.received };
    return limitExceeded === null ? result : { ...result, limitExceeded };
  }
}

/** The same signature name can sit in two files (ClamAV reports it once per file). */
function dedupe(detections: Detection[]): Detection[] {
  const seen = new Set<string>();
  return detections.filter((d) => {
    const key = `${d.kind}\0${d.signature}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
