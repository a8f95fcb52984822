/**
 * A small GET over node's http/https (no dependencies): a connect, an idle and a total deadline
 * (the total spans redirects), a cap on the body size, a few redirects and no loops, and errors
 * that name the URL and say what went wrong.
 */
import type { IncomingMessage } from 'node:http';
import { openRequest } from '../net/open-request.js';
import { pickProxyRoute, ProxySettingError } from '../net/proxy-route.js';
import { showPeerText } from '../net/peer-text.js';
import { armDeadlines, boundReason, readCappedBody, RequestBoundError, type RequestBounds } from '../net/request-bounds.js';

/** A GET that failed; `reason` is short and readable, e.g. `HTTP 404 Not Found`, `unable to connect (connection refused)`. */
export class FetchError extends Error {
  constructor(readonly url: string, readonly reason: string, options?: { cause?: unknown }) {
    super(`${url}: ${reason}`, options);
    this.name = 'FetchError';
  }
}

export interface HttpGetOptions {
  /** Deadline for the whole request (connect, headers, body, redirects), in ms. */
  readonly timeoutMs: number;
  /** Largest body accepted. */
  readonly maxBytes: number;
  readonly maxRedirects?: number;
  /** Deadline to connect (TLS handshake included); default 10 s, never more than `timeoutMs`. */
  readonly connectTimeoutMs?: number;
  /** Longest silence while waiting for or reading the answer; default 30 s, never more than `timeoutMs`. */
  readonly idleTimeoutMs?: number;
  /** `network.proxy`: null or absent = from HTTP(S)_PROXY / NO_PROXY, "none" = never, else the proxy URL. */
  readonly proxy?: string | null;
}

const CONNECT_ERRORS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  ECONNRESET: 'connection reset',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'connection timed out',
};

/**
 * GETs `url` and returns the body.
 * @throws FetchError for a URL that is not http(s), a connection problem, a deadline passed
 *   (connect, idle or total), a status other than 2xx, a redirect loop, too many redirects or
 *   one from https to http, or a body over `maxBytes`.
 */
export async function httpGet(url: string, options: HttpGetOptions): Promise<Buffer> {
  const endsAt = Date.now() + options.timeoutMs;
  const seen = new Set<string>([url]);
  let current = url;
  for (let hops = 0; ; hops++) {
    const outcome = await getOnce(current, options, Math.max(1, endsAt - Date.now()));
    if ('body' in outcome) return outcome.body;
    if (seen.has(outcome.location)) throw new FetchError(url, `redirect loop: ${current} sends back to ${outcome.location}`);
    if (hops >= (options.maxRedirects ?? 5)) throw new FetchError(url, `too many redirects (more than ${options.maxRedirects ?? 5})`);
    if (current.startsWith('https:') && !outcome.location.startsWith('https:')) throw new FetchError(url, `refused a redirect from https to ${outcome.location}`);
    seen.add(outcome.location);
    current = outcome.location;
  }
}

function getOnce(url: string, options: HttpGetOptions, remainingMs: number): Promise<{ body: Buffer } | { location: string }> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return Promise.reject(new FetchError(url, 'not a valid URL'));
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return Promise.reject(new FetchError(url, 'only http and https URLs are supported'));
  const bounds: RequestBounds = {
    connectTimeoutMs: Math.min(options.connectTimeoutMs ?? 10_000, remainingMs),
    idleTimeoutMs: Math.min(options.idleTimeoutMs ?? 30_000, remainingMs),
    totalTimeoutMs: remainingMs,
    maxReplyBytes: options.maxBytes,
  };
  let route;
  try {
    route = pickProxyRoute(parsed, options.proxy ?? null);
  } catch (err) {
    if (err instanceof ProxySettingError) return Promise.reject(new FetchError(url, err.message, { cause: err }));
    throw err;
  }
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (reason: string, cause?: unknown): void => {
      if (settled) return;
      settled = true;
      disarm();
      request.destroy();
      reject(new FetchError(url, reason, cause === undefined ? undefined : { cause }));
    };
    const failBound = (err: RequestBoundError): void =>
      // The total deadline is the caller's, across redirects: say that one.
      fail(err.bound === 'total' ? boundReason('total', { totalTimeoutMs: options.timeoutMs }) : err.reason, err);
    const request = openRequest(parsed, route, { method: 'GET', headers: { accept: '*/*', 'user-agent': 'epq-agent' } });
    request.end();
    request.on('response', (response: IncomingMessage) => {
      const status = response.statusCode ?? 0;
      if (status >= 300 && status < 400 && response.headers.location) {
        response.resume();
        let location: string;
        try {
          location = new URL(response.headers.location, parsed).href;
        } catch {
          return fail(`HTTP ${status} redirects to "${showPeerText(response.headers.location)}", which is not a URL`);
        }
        settled = true;
        disarm();
        resolve({ location });
        return;
      }
      if (status < 200 || status >= 300) {
        response.resume();
        fail(`HTTP ${status} ${showPeerText(response.statusMessage ?? '')}`.trim());
        return;
      }
      readCappedBody(response, url, bounds).then(
        (body) => {
          if (settled) return;
          settled = true;
          disarm();
          resolve({ body });
        },
        (err: unknown) => {
          if (err instanceof RequestBoundError) fail(err.reason, err);
          else fail(`connection lost while reading the answer (${(err as Error).message})`, err);
        },
      );
    });
    const disarm = armDeadlines(request, url, bounds, failBound);
    request.on('error', (err: NodeJS.ErrnoException) => {
      if (err instanceof RequestBoundError) return failBound(err);
      const what = err.code ? CONNECT_ERRORS[err.code] : undefined;
      fail(what ? `unable to connect (${what})` : `request failed (${err.message})`, err);
    });
  });
}
