import { SampleRefusal } from './central-errors.js';

/** How long an agent should wait before trying again when the store is full. */
const FULL_RETRY_AFTER_SEC = 300;

/**
 * The store's maximum size (the guide's "maximum allowable size"). Uploads reserve their declared
 * size before the first byte is written, so concurrent uploads can't overshoot it together.
 * A reservation lives only as long as its upload: the server cuts an upload that stalls past its
 * idle or request timeout, and the reservation goes back with it.
 */
export class SampleQuota {
  private reserved = 0;
  private reservations = 0;

  /** `inProgressRetryAfterSec`: when room held by uploads in progress comes back at the latest. */
  constructor(readonly maxBytes: number, private used: number, private readonly inProgressRetryAfterSec = 30) {}

  get reservedBytes(): number {
    return this.reserved;
  }

  get usedBytes(): number {
    return this.used;
  }

  /**
   * Reserves room for a sample of `size` bytes; give it back with `release` or keep it with
   * `commit`.
   * @throws SampleRefusal `declined` with 413 when the sample could never fit, or with 507 (and
   *   a Retry-After) when it does not fit now; when it is room held by uploads in progress, the
   *   message says so and Retry-After is when they end or are cut at the latest.
   */
  reserve(id: string, size: number): void {
    if (size > this.maxBytes) {
      throw new SampleRefusal('declined', 413, `sample ${id} is ${size} bytes, more than this Central Quarantine's maximum size (${this.maxBytes} bytes)`, { id });
    }
    if (this.used + this.reserved + size > this.maxBytes) {
      const held = this.used + size <= this.maxBytes;
      const inProgress = this.reserved > 0 ? `, ${this.reserved} reserved by ${this.reservations} upload(s) in progress` : '';
      throw new SampleRefusal('declined', 507, `the Central Quarantine is full (${this.used} of ${this.maxBytes} bytes used${inProgress}); sample ${id} is not accepted now`, {
        id,
        retryAfterSec: held ? this.inProgressRetryAfterSec : FULL_RETRY_AFTER_SEC,
      });
    }
    this.reserved += size;
    this.reservations++;
  }

  release(size: number): void {
    this.reserved -= size;
    this.reservations--;
  }

  /** A stored sample was deleted. */
  free(size: number): void {
    this.used = Math.max(0, this.used - size);
  }

  /** The reserved bytes now belong to a stored sample. */
  commit(size: number): void {
    this.release(size);
    this.used += size;
  }
}
