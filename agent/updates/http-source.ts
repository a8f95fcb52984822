/**
 * An http(s) URL used as a definitions source: `<url>/index.json` says what is offered, and the
 * package files are fetched from `<url>/<file>`.
 */
import { showPeerText } from '../net/peer-text.js';
import { FetchError, httpGet } from './http-get.js';
import { SourceRefused, SourceUnreachable, type SourceCandidate, type SourceOffer } from './source-offer.js';

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_PACKAGE_BYTES = 512 * 1024 * 1024;
const MAX_INDEX_BYTES = 4 * 1024 * 1024;

export interface HttpSourceOptions {
  /** The source's base URL. */
  readonly source: string;
  /** Deadline of each HTTP request (default 30 s). */
  readonly timeoutMs?: number;
  /** Deadline to connect, TLS included (default 10 s). */
  readonly connectTimeoutMs?: number;
  /** Longest silence of the server within a request (default 30 s). */
  readonly idleTimeoutMs?: number;
  /** Largest package accepted (default 512 MiB). */
  readonly maxPackageBytes?: number;
  /** `network.proxy` (null or absent = from the environment). */
  readonly proxy?: string | null;
}

/**
 * Fetches and checks `<source>/index.json` (at most 4 MiB).
 * @throws SourceUnreachable when it can't be fetched within its deadlines or is larger; SourceRefused
 *   when it is not a valid index.
 */
export async function readHttpOffer(opts: HttpSourceOptions): Promise<SourceOffer> {
  const indexUrl = `${opts.source.replace(/\/+$/, '')}/index.json`;
  const body = await fetchOrUnreachable(indexUrl, opts, MAX_INDEX_BYTES);
  let raw: unknown;
  try {
    raw = JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw new SourceRefused(indexUrl, `index is not valid JSON (${showPeerText((err as Error).message)})`);
  }
  return { candidates: validateIndex(raw, indexUrl), skipped: [] };
}

/**
 * Fetches the package an index entry names; `name` is its URL.
 * @throws SourceUnreachable when it can't be fetched (or is larger than `maxPackageBytes`).
 */
export async function fetchHttpPackage(opts: HttpSourceOptions, c: SourceCandidate): Promise<{ bytes: Uint8Array; name: string }> {
  const url = new URL(c.file, `${opts.source.replace(/\/+$/, '')}/`).href;
  return { bytes: await fetchOrUnreachable(url, opts, opts.maxPackageBytes ?? DEFAULT_MAX_PACKAGE_BYTES), name: url };
}

function validateIndex(raw: unknown, indexUrl: string): SourceCandidate[] {
  const fail = (reason: string): never => {
    throw new SourceRefused(indexUrl, `index: ${reason}`);
  };
  if (typeof raw !== 'object' || raw === null || !Array.isArray((raw as { packages?: unknown }).packages)) return fail('expected {"packages": [...]}');
  return ((raw as { packages: unknown[] }).packages).map((entry, i) => {
    const at = `packages[${i}]`;
    if (typeof entry !== 'object' || entry === null) return fail(`${at} must be an object`);
    const e = entry as Record<string, unknown>;
    if (typeof e.file !== 'string' || !isSafeRelativePath(e.file)) return fail(`${at}.file must be a relative path without ".." (got ${showPeerText(JSON.stringify(e.file) ?? 'nothing')})`);
    if (!Number.isSafeInteger(e.sequence) || (e.sequence as number) < 1) return fail(`${at}.sequence must be a positive integer`);
    if (e.kind !== 'full' && e.kind !== 'incremental') return fail(`${at}.kind must be "full" or "incremental"`);
    if (e.kind === 'incremental' && (!Number.isSafeInteger(e.baseSequence) || (e.baseSequence as number) < 0 || (e.baseSequence as number) >= (e.sequence as number))) {
      return fail(`${at}.baseSequence must be an integer below its sequence`);
    }
    return {
      file: e.file,
      sequence: e.sequence as number,
      kind: e.kind,
      ...(e.kind === 'incremental' ? { baseSequence: e.baseSequence as number } : {}),
    };
  });
}

function isSafeRelativePath(file: string): boolean {
  return file !== '' && !file.startsWith('/') && !/[\\?#:]/.test(file) && file.split('/').every((part) => part !== '' && part !== '.' && part !== '..');
}

async function fetchOrUnreachable(url: string, opts: HttpSourceOptions, maxBytes: number): Promise<Buffer> {
  try {
    return await httpGet(url, {
      timeoutMs: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      maxBytes,
      ...(opts.connectTimeoutMs !== undefined && { connectTimeoutMs: opts.connectTimeoutMs }),
      ...(opts.idleTimeoutMs !== undefined && { idleTimeoutMs: opts.idleTimeoutMs }),
      ...(opts.proxy !== undefined && { proxy: opts.proxy }),
    });
  } catch (err) {
    if (err instanceof FetchError) throw new SourceUnreachable(url, err.reason, true);
    throw err;
  }
}
