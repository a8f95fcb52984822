import type { RequestBounds } from '../net/request-bounds.js';

/**
 * The bounds of the forwarder's requests to the Central Quarantine. An upload may take long (a
 * big sample on a slow link) but never without progress; an answer is small JSON.
 */
export const UPLOAD_BOUNDS: RequestBounds = {
  connectTimeoutMs: 10_000,
  idleTimeoutMs: 60_000,
  totalTimeoutMs: 30 * 60_000,
  // A sample record is a few hundred bytes.
  maxReplyBytes: 1024 * 1024,
};

export const STATUS_QUERY_BOUNDS: RequestBounds = {
  connectTimeoutMs: 10_000,
  idleTimeoutMs: 60_000,
  totalTimeoutMs: 5 * 60_000,
  // At most MAX_STATUS_IDS records of a few hundred bytes, with room for long names.
  maxReplyBytes: 16 * 1024 * 1024,
};

/** `defaults` with the bounds a caller set (tests, a config) in their place. Never throws. */
export function withBounds(defaults: RequestBounds, given: Partial<RequestBounds>): RequestBounds {
  return {
    connectTimeoutMs: given.connectTimeoutMs ?? defaults.connectTimeoutMs,
    idleTimeoutMs: given.idleTimeoutMs ?? defaults.idleTimeoutMs,
    totalTimeoutMs: given.totalTimeoutMs ?? defaults.totalTimeoutMs,
    maxReplyBytes: given.maxReplyBytes ?? defaults.maxReplyBytes,
  };
}
