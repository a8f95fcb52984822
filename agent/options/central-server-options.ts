import { DEFAULT_SERVER_LIMITS as D, type ServerLimits } from '../../central/server-limits.js';
import type { OptionSpec } from './option-spec.js';

/** "20s", "10m": how help and the README show a default duration. */
const shown = (ms: number): string => (ms % 60_000 === 0 ? `${ms / 60_000}m` : `${ms / 1000}s`);

/** `epq central serve` flags for the server's limits; the defaults come from `central/server-limits.ts`. */
export const SERVER_LIMIT_OPTIONS: readonly OptionSpec[] = [
  { key: 'serve.headerTimeout', flag: 'header-timeout', type: 'duration', min: 1, default: D.headersTimeoutMs, defaultText: shown(D.headersTimeoutMs), help: 'A client must send all its request headers within this, else it gets 408 and is cut (slowloris)' },
  { key: 'serve.idleTimeout', flag: 'idle-timeout', type: 'duration', min: 1, default: D.idleTimeoutMs, defaultText: shown(D.idleTimeoutMs), help: 'A connection silent this long is cut; an upload on it is dropped and its reserved room given back' },
  { key: 'serve.requestTimeout', flag: 'request-timeout', type: 'duration', min: 1, default: D.requestTimeoutMs, defaultText: shown(D.requestTimeoutMs), help: 'A whole request, body included, must arrive within this, else 408 and the upload is dropped (slow drip)' },
  { key: 'serve.maxUploadsPerClient', flag: 'max-uploads-per-client', type: 'number', integer: true, min: 1, default: D.maxUploadsPerClient, help: 'Uploads at once from one client address; more get 503 with Retry-After' },
  { key: 'serve.maxUploads', flag: 'max-uploads', type: 'number', integer: true, min: 1, default: D.maxUploads, help: 'Uploads at once in total; more get 503 with Retry-After' },
  { key: 'serve.maxJsonSize', flag: 'max-json-size', type: 'size', min: 1, default: D.maxJsonBytes, defaultText: `${D.maxJsonBytes / 1024}K`, help: 'Largest JSON request (a status query); larger gets 413 and the connection is closed (an endless body too)' },
  { key: 'serve.maxConnections', flag: 'max-connections', type: 'number', integer: true, min: 1, default: D.maxConnections, help: 'Open connections at once; more are closed as they arrive' },
];

/** The parsed flags of `SERVER_LIMIT_OPTIONS`. */
export interface ServerLimitArgs {
  readonly headerTimeout: number;
  readonly idleTimeout: number;
  readonly requestTimeout: number;
  readonly maxUploadsPerClient: number;
  readonly maxUploads: number;
  readonly maxJsonSize: number;
  readonly maxConnections: number;
}

/** The limits the flags give. Never throws (the server checks them together when it starts). */
export function toServerLimits(a: ServerLimitArgs): ServerLimits {
  return {
    headersTimeoutMs: a.headerTimeout,
    idleTimeoutMs: a.idleTimeout,
    requestTimeoutMs: a.requestTimeout,
    maxUploadsPerClient: a.maxUploadsPerClient,
    maxUploads: a.maxUploads,
    maxJsonBytes: a.maxJsonSize,
    maxConnections: a.maxConnections,
  };
}
