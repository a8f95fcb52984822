import { Agent as HttpAgent, request as httpRequest, type ClientRequest, type OutgoingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest, type AgentOptions as HttpsAgentOptions } from 'node:https';
import { connect as netConnect } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import type { Duplex } from 'node:stream';
import { showPeerText } from './peer-text.js';
import type { ProxyRoute } from './proxy-route.js';

/** The proxy refused or broke a CONNECT tunnel; names the proxy and the target. */
export class ProxyTunnelError extends Error {
  readonly code = 'EPQ_PROXY_TUNNEL';

  constructor(readonly proxy: string, readonly target: string, reason: string, options?: ErrorOptions) {
    super(`proxy ${proxy}: no tunnel to ${target}: ${reason}`, options);
    this.name = 'ProxyTunnelError';
  }
}

/** Longest proxy answer head read before the tunnel is refused as not HTTP. */
const MAX_CONNECT_REPLY = 16 * 1024;

function proxyAuthorization(proxy: URL): string | null {
  if (proxy.username === '' && proxy.password === '') return null;
  const user = decodeURIComponent(proxy.username);
  const pass = decodeURIComponent(proxy.password);
  return `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
}

function proxyLabel(proxy: URL): string {
  return `${proxy.hostname}:${proxy.port || '80'}`;
}

/**
 * An https agent whose sockets are TLS inside an HTTP CONNECT tunnel through `proxy`.
 * Node's agent waits for the callback of `createConnection`, so the tunnel is set up before the
 * request owns the socket. `tunnelTimeoutMs` bounds reaching the proxy and its answer.
 */
export class TunnelAgent extends HttpsAgent {
  constructor(private readonly proxy: URL, options: HttpsAgentOptions & { tunnelTimeoutMs?: number } = {}) {
    super(options);
    this.tunnelTimeoutMs = options.tunnelTimeoutMs ?? 10_000;
  }

  private readonly tunnelTimeoutMs: number;

  override createConnection(options: ConnectionOptions & { host?: string; port?: number }, done: (err: Error | null, socket?: Duplex) => void): undefined {
    const host = options.host ?? 'localhost';
    const target = `${host.includes(':') ? `[${host}]` : host}:${options.port ?? 443}`;
    const label = proxyLabel(this.proxy);
    const socket = netConnect({ host: this.proxy.hostname.replace(/^\[|\]$/g, ''), port: Number(this.proxy.port || 80) });
    let settled = false;
    const fail = (reason: string, cause?: unknown): void => {
      if (settled) return;
      settled = true;
      socket.destroy();
      done(new ProxyTunnelError(label, target, reason, cause === undefined ? undefined : { cause }));
    };
    socket.setTimeout(this.tunnelTimeoutMs, () => fail(`no answer within ${this.tunnelTimeoutMs} ms`));
    socket.once('error', (err: NodeJS.ErrnoException) => fail(err.code === 'ECONNREFUSED' ? 'connection refused' : err.message, err));
    socket.once('close', () => fail('the proxy closed the connection'));
    socket.once('connect', () => {
      const auth = proxyAuthorization(this.proxy);
      socket.write(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n${auth ? `Proxy-Authorization: ${auth}\r\n` : ''}\r\n`);
    });
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) {
        if (head.length > MAX_CONNECT_REPLY) fail('the proxy answer is not HTTP');
        return;
      }
      socket.off('data', onData);
      const status = /^HTTP\/1\.[01] (\d{3})(.*)$/.exec(head.subarray(0, head.indexOf('\r\n')).toString('latin1'));
      if (!status) return fail('the proxy answer is not HTTP');
      if (status[1] !== '200') return fail(`HTTP ${status[1]}${showPeerText(status[2] ?? '')}`);
      if (end + 4 < head.length) return fail('the proxy sent bytes before the tunnel was open');
      settled = true;
      socket.setTimeout(0);
      socket.removeAllListeners('close');
      socket.removeAllListeners('error');
      done(null, tlsConnect({ ...options, socket, servername: options.servername ?? host }));
    };
    socket.on('data', onData);
    return undefined;
  }
}

export interface RequestInit {
  readonly method: string;
  readonly headers: OutgoingHttpHeaders;
  /** Pooled connections for this route (from `createRouteAgent`); none = a connection per request. */
  readonly agent?: HttpAgent;
  /** CA trusted for https; absent = the system CAs. */
  readonly ca?: Buffer;
}

/**
 * The agent that pools connections for requests taking `route`: a tunnel agent through the proxy
 * for https, a plain one otherwise. Never throws.
 */
export function createRouteAgent(route: ProxyRoute, https: boolean, options: HttpsAgentOptions): HttpAgent {
  if (route.kind === 'tunnel') return new TunnelAgent(route.proxy, options);
  return https && route.kind === 'direct' ? new HttpsAgent(options) : new HttpAgent(options);
}

/**
 * Starts a request to `url` along `route`; the caller sends the body and listens for `response`
 * and `error` as with node's own request. A plain http request through a proxy goes to the proxy
 * with the absolute URL as its path (what every HTTP proxy expects); https goes through a tunnel.
 * Connection problems (the proxy's too, as ProxyTunnelError) come as the request's `error` event.
 * @throws only what node's request throws for malformed headers.
 */
export function openRequest(url: URL, route: ProxyRoute, init: RequestInit): ClientRequest {
  const https = url.protocol === 'https:';
  if (route.kind === 'forward') {
    const auth = proxyAuthorization(route.proxy);
    return httpRequest({
      host: route.proxy.hostname.replace(/^\[|\]$/g, ''),
      port: Number(route.proxy.port || 80),
      path: url.href,
      method: init.method,
      headers: { host: url.host, ...init.headers, ...(auth && { 'proxy-authorization': auth }) },
      ...(init.agent && { agent: init.agent }),
    });
  }
  const agent = init.agent ?? (route.kind === 'tunnel' ? new TunnelAgent(route.proxy, init.ca ? { ca: init.ca } : {}) : undefined);
  const send = https ? httpsRequest : httpRequest;
  return send(url, { method: init.method, headers: init.headers, ...(agent && { agent }), ...(init.ca && { ca: init.ca }) });
}

