import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { CentralClientError } from './central-errors.js';
import { endpointUrl, PATHS, type CentralSample } from './wire-format.js';

export interface FetchSamplesOptions {
  readonly token: string | null;
  /** PEM CA certificate(s) trusted for https; null = the system CAs. */
  readonly ca: Buffer | null;
  readonly timeoutMs?: number;
}

const MAX_REPLY_BYTES = 256 * 1024 * 1024;
/** A whole listing, however slowly it drips in, arrives within this. */
const TOTAL_TIMEOUT_MS = 5 * 60_000;

/**
 * The server's message with its control characters written as `\xNN` and cut short: it is
 * printed on a terminal. (A local stand-in for the shared escaping of `agent/text/`, which
 * `central/` can't import.)
 */
function showServerText(text: string): string {
  const cut = text.length > 300 ? `${text.slice(0, 300)}...` : text;
  // eslint-disable-next-line no-control-regex
  return cut.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/**
 * Lists the samples a Central Quarantine holds (`GET /samples`), for `epq central list`.
 * @throws CentralClientError naming the URL: not http(s), unable to connect, a refusal (with the
 *   server's message), a timeout, or an answer that is not a sample list.
 */
export async function fetchSamples(base: string, opts: FetchSamplesOptions): Promise<CentralSample[]> {
  let url: URL;
  try {
    url = endpointUrl(base, PATHS.samples);
  } catch {
    throw new CentralClientError(base, 'not a valid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new CentralClientError(base, 'only http:// and https:// URLs are supported');
  const { status, body } = await getText(url, opts);
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new CentralClientError(url.href, `HTTP ${status}: the answer is not JSON; is this a Central Quarantine?`);
  }
  if (status !== 200) {
    const message = (parsed as { message?: unknown } | null)?.message;
    throw new CentralClientError(url.href, `HTTP ${status}: ${typeof message === 'string' ? showServerText(message) : 'refused'}`);
  }
  const samples = (parsed as { samples?: unknown } | null)?.samples;
  if (!Array.isArray(samples)) throw new CentralClientError(url.href, 'the answer is not a sample list; is this a Central Quarantine?');
  return samples as CentralSample[];
}

function getText(url: URL, opts: FetchSamplesOptions): Promise<{ status: number; body: string }> {
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  const headers: Record<string, string> = { accept: 'application/json', 'user-agent': 'epq-central-list' };
  if (opts.token !== null) headers['authorization'] = `Bearer ${opts.token}`;
  return new Promise((resolve, reject) => {
    const total = setTimeout(() => req.destroy(new Error(`no complete answer within ${TOTAL_TIMEOUT_MS} ms`)), TOTAL_TIMEOUT_MS);
    const req = send(url, { method: 'GET', headers, ...(opts.ca && { ca: opts.ca }) }, (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_REPLY_BYTES) req.destroy(new Error(`the answer is over ${MAX_REPLY_BYTES} bytes`));
        else chunks.push(c);
      });
      res.on('end', () => {
        clearTimeout(total);
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('error', (err) => {
        clearTimeout(total);
        reject(new CentralClientError(url.href, `connection lost while reading the answer (${err.message})`, { cause: err }));
      });
    });
    req.setTimeout(opts.timeoutMs ?? 30_000, () => req.destroy(new Error(`no answer within ${opts.timeoutMs ?? 30_000} ms`)));
    req.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(total);
      reject(new CentralClientError(url.href, `unable to connect (${err.code ?? err.message})`, { cause: err }));
    });
    req.end();
  });
}
