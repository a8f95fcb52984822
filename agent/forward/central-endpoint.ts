import { readFileSync } from 'node:fs';
import type { Agent as HttpAgent, ClientRequest } from 'node:http';
import { createRouteAgent, openRequest } from '../net/open-request.js';
import { pickProxyRoute, ProxySettingError, type ProxyRoute } from '../net/proxy-route.js';
import { endpointUrl } from '../../central/wire-format.js';
import { RequestBoundError } from '../net/request-bounds.js';
import { ForwardConfigError } from './forward-errors.js';

export interface EndpointSettings {
  readonly url: string;
  /** Bearer token; null = none. */
  readonly token: string | null;
  /** PEM CA file trusted for https; null = the system CAs. */
  readonly caFile: string | null;
  /** Connections kept open (one per upload in flight). */
  readonly connections: number;
  /** `network.proxy`: null or absent = from HTTP(S)_PROXY / NO_PROXY, "none" = never, else the proxy URL. */
  readonly proxy?: string | null;
}

const SYSTEM_ERRORS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection closed while sending',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'connection timed out',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'the server certificate is self-signed and not trusted (set central.caFile)',
  SELF_SIGNED_CERT_IN_CHAIN: 'the server certificate chain is not trusted (set central.caFile)',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'the server certificate is not trusted (set central.caFile)',
  ERR_TLS_CERT_ALTNAME_INVALID: 'the server certificate does not name this host',
};

/** TLS trust failures: with a CA file set, the fix is another CA file, not setting one. */
const UNTRUSTED_CERT_CODES: ReadonlySet<string> = new Set(['DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_SIGNATURE_FAILURE']);

/**
 * A short, readable reason for a failed request; a bound crossed names the URL and the bound;
 * `caFile` (when one is set) is named in a certificate refusal. Never throws.
 */
export function describeNetworkError(err: unknown, caFile: string | null = null): string {
  if (err instanceof RequestBoundError) return err.message;
  const e = err as NodeJS.ErrnoException;
  if (caFile !== null && e.code !== undefined && UNTRUSTED_CERT_CODES.has(e.code)) {
    return `the server certificate is not signed by the CA in central.caFile ${caFile} (${e.code})`;
  }
  const known = e.code ? SYSTEM_ERRORS[e.code] : undefined;
  if (known) return known;
  if (e.code?.startsWith('HPE_')) return `the answer is not HTTP (${e.code})`;
  return e.message || String(err);
}

/**
 * Where and how the forwarder talks to the Central Quarantine: the URL, TLS trust, the bearer
 * token and a keep-alive connection pool (one TLS handshake per connection, not per sample).
 */
export class CentralEndpoint {
  readonly base: string;
  private readonly ca: Buffer | null;
  private readonly agent: HttpAgent;
  private readonly route: ProxyRoute;

  /** @throws ForwardConfigError for a URL that is not http(s) or a CA file that can't be read. */
  constructor(private readonly settings: EndpointSettings) {
    let url: URL;
    try {
      url = new URL(settings.url);
    } catch (err) {
      throw new ForwardConfigError(settings.url, 'not a valid URL', { cause: err });
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ForwardConfigError(settings.url, 'only http:// and https:// URLs are supported');
    this.base = settings.url;
    try {
      this.route = pickProxyRoute(url, settings.proxy ?? null);
    } catch (err) {
      if (err instanceof ProxySettingError) throw new ForwardConfigError(settings.url, err.message, { cause: err });
      throw err;
    }
    try {
      this.ca = settings.caFile === null ? null : readFileSync(settings.caFile);
    } catch (err) {
      throw new ForwardConfigError(settings.url, `can't read the CA file ${settings.caFile}: ${(err as Error).message}`, { cause: err });
    }
    const pool = { keepAlive: true, maxSockets: settings.connections, maxFreeSockets: settings.connections };
    this.agent = createRouteAgent(this.route, url.protocol === 'https:', { ...pool, ...(this.ca && { ca: this.ca }) });
  }

  /** `describeNetworkError` for this endpoint: names its CA file in a certificate refusal. Never throws. */
  describeError(err: unknown): string {
    return describeNetworkError(err, this.settings.caFile);
  }

  /** The full URL of a path under the base URL (which may have a path prefix). */
  urlOf(path: string): URL {
    return endpointUrl(this.base, path);
  }

  /** Starts a request; the caller writes the body and listens for `response` and `error`. */
  request(path: string, method: string, headers: Record<string, string>): ClientRequest {
    const all: Record<string, string> = { 'user-agent': 'epq-agent', accept: 'application/json', ...headers };
    if (this.settings.token !== null) all['authorization'] = `Bearer ${this.settings.token}`;
    return openRequest(this.urlOf(path), this.route, { method, headers: all, agent: this.agent, ...(this.ca && { ca: this.ca }) });
  }

  /** Closes pooled connections; requests in flight are aborted by their owners. */
  close(): void {
    this.agent.destroy();
  }
}
