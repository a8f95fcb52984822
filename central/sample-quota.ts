import { SampleRefusal } from './central-errors.js';

/** How long an agent should wait before trying again when the store is full. */
const FULL_RETRY_AFTER_SEC = 300;

/**
 * The store's maximum size (the guide's "maximum allowable size"). Uploads reserve their declared
 * size before the first byte is written, so concurrent uploads can't overshoot it together.
 */
export class SampleQuota {
  private reserved = 0;

  constructor(readonly maxBytes: number, private used: number) {}

  get usedBytes(): number {
    return this.used;
  }

  /**
   * Reserves room for a sample of `size` bytes; give it back with `release` or keep it with
   * `commit`.
   * @throws SampleRefusal `declined` with 413 when the sample could never fit, or with 507 (and
   *   a Retry-After) when it does not fit now.
   */
  reserve(id: string, size: number): void {
    if (size > this.maxBytes) {
      throw new SampleRefusal('declined', 413, `sample ${id} is ${size} bytes, more than this Central Quarantine's maximum size (${this.maxBytes} bytes)`, { id });
    }
    if (this.used + this.reserved + size > this.maxBytes) {
      throw new SampleRefusal('declined', 507, `the Central Quarantine is full (${this.used} of ${this.maxBytes} bytes used); sample ${id} is not accepted now`, { id, retryAfterSec: FULL_RETRY_AFTER_SEC });
    }
    this.reserved += size;
  }

  release(size: number): void {
    this.reserved -= size;
  }

  /** The reserved bytes now belong to a stored sample. */
  commit(size: number): void {
    this.reserved -= size;
    this.used += size;
  }
}
