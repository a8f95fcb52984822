/** How the forwarder spaces its attempts. */
export interface RetryPolicy {
  /** First delay after a failure, in ms. */
  readonly baseMs: number;
  /** Longest delay (the `central.retryInterval` option), in ms. */
  readonly capMs: number;
  /** [0, 1): injectable so tests can pin the jitter. */
  readonly random: () => number;
}

/** A server may ask for a long pause, but not for one longer than a day. */
const MAX_RETRY_AFTER_MS = 86_400_000;

/**
 * Delay before attempt `failures + 1`: exponential from `baseMs`, capped at `capMs`, with
 * "equal jitter" (half fixed, half random) so that a fleet of agents that lost the server at
 * the same moment does not come back at the same moment, yet none retries immediately.
 * Never throws.
 */
export function backoffDelay(failures: number, policy: RetryPolicy): number {
  const base = Math.min(policy.baseMs, policy.capMs);
  const exp = Math.min(policy.capMs, base * 2 ** Math.max(0, Math.min(failures - 1, 30)));
  return Math.round(exp / 2 + policy.random() * (exp / 2));
}

/**
 * A `Retry-After` header in ms from `now`: delta-seconds or an HTTP date; null when absent or
 * unreadable (the caller's backoff applies). Never throws.
 */
export function parseRetryAfter(value: string | string[] | undefined, now: number): number | null {
  const raw = Array.isArray(value) ? value[0] : value;
  if (raw === undefined || raw.trim() === '') return null;
  const text = raw.trim();
  const ms = /^\d+$/.test(text) ? Number(text) * 1000 : Date.parse(text) - now;
  if (!Number.isFinite(ms)) return null;
  return Math.min(MAX_RETRY_AFTER_MS, Math.max(0, ms));
}
