import type { EventSink } from '../events/agent-event.js';

/** Failures in a row before "unable to connect" is reported: one lost packet is not an outage. */
export const FAILURES_BEFORE_ALERT = 3;

/**
 * Follows whether the Central Quarantine can be reached and reports the guide's events once per
 * outage: `unable to connect` after `FAILURES_BEFORE_ALERT` failures in a row, `connection
 * restored` at the first success after that.
 */
export class ConnectionWatch {
  private failuresInRow = 0;
  private alerted = false;
  private lastFailureAt = -Infinity;

  constructor(private readonly url: string, private readonly events: EventSink) {}

  get failures(): number {
    return this.failuresInRow;
  }

  get down(): boolean {
    return this.alerted;
  }

  /**
   * Counts a failure of a request started at `startedAt`. Requests that were already under way
   * when another failure was counted share that failure: four uploads refused together by a
   * dead server are one failed try, not four.
   */
  failed(startedAt: number, now: number, reason: string): void {
    if (startedAt <= this.lastFailureAt) return;
    this.lastFailureAt = now;
    this.failuresInRow++;
    if (this.failuresInRow >= FAILURES_BEFORE_ALERT && !this.alerted) {
      this.alerted = true;
      this.events({ name: 'unable to connect', severity: 'warning', message: `unable to connect to the Central Quarantine ${this.url} (${this.failuresInRow} tries in a row): ${reason}; retrying`, data: { url: this.url, failures: this.failuresInRow, reason } });
    }
  }

  succeeded(): void {
    if (this.alerted) {
      this.events({ name: 'connection restored', severity: 'info', message: `connection to the Central Quarantine ${this.url} restored after ${this.failuresInRow} failed tries`, data: { url: this.url, failures: this.failuresInRow } });
    }
    this.alerted = false;
    this.failuresInRow = 0;
  }
}
