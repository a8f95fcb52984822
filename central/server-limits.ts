/**
 * The bounds a Central Quarantine server puts on its clients, so that no peer (slow, stalled,
 * greedy or hostile) can hold its sockets, its uploads or its free space for long.
 * The defaults are defined here once; `epq central serve` turns each into a flag.
 */
export interface ServerLimits {
  /** All request headers must have arrived within this (slowloris). */
  readonly headersTimeoutMs: number;
  /** A connection with no byte in either direction for this long is cut; an upload on it is dropped. */
  readonly idleTimeoutMs: number;
  /** A whole request, body included, must have arrived within this (a slow drip). */
  readonly requestTimeoutMs: number;
  /** Uploads receiving at once from one client address. */
  readonly maxUploadsPerClient: number;
  /** Uploads receiving at once in total. */
  readonly maxUploads: number;
  /** Largest JSON request body (a status query). */
  readonly maxJsonBytes: number;
  /** Open connections at once; more are closed as they arrive. */
  readonly maxConnections: number;
}

export const DEFAULT_SERVER_LIMITS: ServerLimits = {
  headersTimeoutMs: 20_000,
  idleTimeoutMs: 30_000,
  // A sample up to the guide's 500 MB default store takes minutes on a slow link.
  requestTimeoutMs: 600_000,
  maxUploadsPerClient: 4,
  maxUploads: 64,
  maxJsonBytes: 64 * 1024,
  maxConnections: 1024,
};

/** The limits are not usable together; names the one at fault. */
export class ServerLimitsError extends Error {
  constructor(readonly limit: keyof ServerLimits, message: string) {
    super(message);
    this.name = 'ServerLimitsError';
  }
}

/**
 * Checks that the limits make sense together.
 * @throws ServerLimitsError naming the limit (node refuses a header timeout over the request timeout).
 */
export function checkServerLimits(limits: ServerLimits): ServerLimits {
  for (const [key, value] of Object.entries(limits) as [keyof ServerLimits, number][]) {
    if (!Number.isFinite(value) || value < 1) throw new ServerLimitsError(key, `${key} must be at least 1, got ${value}`);
  }
  if (limits.headersTimeoutMs > limits.requestTimeoutMs) {
    throw new ServerLimitsError('headersTimeoutMs', `the header timeout (${limits.headersTimeoutMs} ms) can't be longer than the request timeout (${limits.requestTimeoutMs} ms)`);
  }
  if (limits.maxUploadsPerClient > limits.maxUploads) {
    throw new ServerLimitsError('maxUploadsPerClient', `uploads per client (${limits.maxUploadsPerClient}) can't be more than uploads in total (${limits.maxUploads})`);
  }
  return limits;
}

/** How often node looks for connections past their header or request deadline. */
export function connectionCheckIntervalMs(limits: ServerLimits): number {
  return Math.max(25, Math.min(5_000, Math.floor(Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs) / 4)));
}
