import type { IncomingHttpHeaders } from 'node:http';
import { isSampleFor, refusalWord, type SampleErrorWord, type UploadReply } from '../../central/wire-format.js';
import type { QuarantineError } from '../quarantine/quarantine-errors.js';
import { showPeerText } from '../net/peer-text.js';
import { parseRetryAfter } from './retry-policy.js';

/** How one upload ended, as far as the forwarder's next step goes. */
export type UploadOutcome =
  /** Stored (or stored before): done. */
  | { readonly kind: 'accepted'; readonly reply: UploadReply }
  /** The server refused this sample (4xx with a guide word): do not retry blindly. */
  | { readonly kind: 'refused'; readonly word: SampleErrorWord; readonly httpStatus: number; readonly message: string }
  /** The server, or the way to it, failed: try again later (`retryAfterMs` when it said when). */
  | { readonly kind: 'retry'; readonly reason: string; readonly retryAfterMs: number | null }
  /** The local package could not be read: nothing the server can fix. */
  | { readonly kind: 'local'; readonly error: QuarantineError };

/** 4xx answers about the endpoint (auth, URL, rate), not about the sample: retried like a 5xx. */
const ENDPOINT_4XX: Readonly<Record<number, string>> = {
  401: 'the Central Quarantine refused the token (check central.token)',
  403: 'the Central Quarantine refused access (check central.token)',
  404: 'no Central Quarantine at this URL (check central.url)',
  405: 'no Central Quarantine at this URL (check central.url)',
  408: 'the server timed out waiting for the request',
  425: 'the server asked to retry later',
  429: 'the server asked to slow down',
};

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** The server's own words, escaped and cut: they end up in events, logs and terminals. */
function messageOf(body: unknown): string | null {
  const m = (body as { message?: unknown } | null)?.message;
  return typeof m === 'string' ? showPeerText(m) : null;
}

/**
 * Sorts an answer to `POST /samples` into what to do next. Anything but a well-formed sample
 * record for this id (garbage, another server's 200) is a `retry`: the upload is repeated, and
 * the server stores an id once, so a repeat is harmless. Never throws.
 */
export function classifyReply(status: number, headers: IncomingHttpHeaders, text: string, id: string, now: number): UploadOutcome {
  const body = parseJson(text);
  const retryAfterMs = parseRetryAfter(headers['retry-after'], now);
  if (status === 200 || status === 201) {
    if (isSampleFor(body, id)) return { kind: 'accepted', reply: body as UploadReply };
    return { kind: 'retry', reason: `HTTP ${status} with an answer that is not a sample record; is this a Central Quarantine?`, retryAfterMs: null };
  }
  const server = messageOf(body);
  const endpointProblem = ENDPOINT_4XX[status];
  if (endpointProblem !== undefined) return { kind: 'retry', reason: `HTTP ${status}: ${endpointProblem}${server ? ` (${server})` : ''}`, retryAfterMs };
  if (status >= 400 && status < 500) {
    const word = refusalWord(status, body);
    return { kind: 'refused', word, httpStatus: status, message: `HTTP ${status} ${word}: ${server ?? 'refused by the Central Quarantine'}` };
  }
  if (status >= 500) return { kind: 'retry', reason: `HTTP ${status}${server ? `: ${server}` : ' from the Central Quarantine'}`, retryAfterMs };
  return { kind: 'retry', reason: `unexpected answer HTTP ${status}`, retryAfterMs };
}
