/**
 * A small GET over node's http/https (no dependencies): a deadline for the whole request, a cap
 * on the body size, a few redirects, and errors that name the URL and say what went wrong.
 */
import { get as httpGetRaw, type ClientRequest, type IncomingMessage } from 'node:http';
import { get as httpsGetRaw } from 'node:https';

/** A GET that failed; `reason` is short and readable, e.g. `HTTP 404 Not Found`, `unable to connect (connection refused)`. */
export class FetchError extends Error {
  constructor(readonly url: string, readonly reason: string, options?: { cause?: unknown }) {
    super(`${url}: ${reason}`, options);
    this.name = 'FetchError';
  }
}

export interface HttpGetOptions {
  /** Deadline for the whole request (connect, headers, body), in ms. */
  readonly timeoutMs: number;
  /** Largest body accepted. */
  readonly maxBytes: number;
  readonly maxRedirects?: number;
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
 * @throws FetchError for a URL that is not http(s), a connection problem, a timeout, a status
 *   other than 2xx (after up to `maxRedirects` redirects), or a body over `maxBytes`.
 */
export async function httpGet(url: string, options: HttpGetOptions): Promise<Buffer> {
  let current = url;
  for (let hops = 0; ; hops++) {
    const outcome = await getOnce(current, options);
    if ('body' in outcome) return outcome.body;
    if (hops >= (options.maxRedirects ?? 5)) throw new FetchError(url, 'too many redirects');
    current = outcome.location;
  }
}

function getOnce(url: string, options: HttpGetOptions): Promise<{ body: Buffer } | { location: string }> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return Promise.reject(new FetchError(url, 'not a valid URL'));
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return Promise.reject(new FetchError(url, 'only http and https URLs are supported'));
  const get = parsed.protocol === 'https:' ? httpsGetRaw : httpGetRaw;
  return new Promise((resolve, reject) => {
    let settled = false;
    let deadline: NodeJS.Timeout | undefined;
    let request: ClientRequest | undefined;
    const fail = (reason: string, cause?: unknown): void => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      request?.destroy();
      reject(new FetchError(url, reason, cause === undefined ? undefined : { cause }));
    };
    request = get(parsed, { headers: { accept: '*/*', 'user-agent': 'epq-agent' } }, (response: IncomingMessage) => {
      const status = response.statusCode ?? 0;
      if (status >= 300 && status < 400 && response.headers.location) {
        response.resume();
        settled = true;
        clearTimeout(deadline);
        resolve({ location: new URL(response.headers.location, parsed).href });
        return;
      }
      if (status < 200 || status >= 300) {
        response.resume();
        fail(`HTTP ${status} ${response.statusMessage ?? ''}`.trim());
        return;
      }
      const declared = Number(response.headers['content-length']);
      if (Number.isFinite(declared) && declared > options.maxBytes) {
        fail(`the answer is ${declared} bytes, more than the ${options.maxBytes} accepted`);
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > options.maxBytes) fail(`the answer is more than the ${options.maxBytes} bytes accepted`);
        else chunks.push(chunk);
      });
      response.on('error', (err) => fail(`connection lost while reading the answer (${err.message})`, err));
      response.on('aborted', () => fail('connection lost while reading the answer'));
      response.on('end', () => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        resolve({ body: Buffer.concat(chunks) });
      });
    });
    request.on('error', (err: NodeJS.ErrnoException) => {
      const what = err.code ? CONNECT_ERRORS[err.code] : undefined;
      fail(what ? `unable to connect (${what})` : `request failed (${err.message})`, err);
    });
    deadline = setTimeout(() => fail(`no complete answer within ${options.timeoutMs} ms (timed out)`), options.timeoutMs);
  });
}
