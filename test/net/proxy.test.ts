import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import { CentralEndpoint } from '../../agent/forward/central-endpoint.js';
import { pickProxyRoute, ProxySettingError } from '../../agent/net/proxy-route.js';
import { httpGet } from '../../agent/updates/http-get.js';
import { runCli } from '../helpers/run-cli.js';
import { makeTempDir } from '../helpers/temp-dir.js';

/** A small real HTTP proxy: absolute-URI requests for http, CONNECT tunnels for https; counts both. */
class CountingProxy {
  forwarded: string[] = [];
  tunnels: string[] = [];
  private readonly sockets = new Set<Socket>();
  readonly server: Server;

  constructor() {
    this.server = createServer((req, res) => {
      this.forwarded.push(req.url ?? '');
      const target = new URL(req.url ?? '');
      const upstream = httpRequest(target, { method: req.method, headers: req.headers }, (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      });
      upstream.on('error', () => res.destroy());
      req.pipe(upstream);
    });
    this.server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    this.server.on('connect', (req, client: Socket, head: Buffer) => {
      this.tunnels.push(req.url ?? '');
      const [host, port] = (req.url ?? '').split(/:(?=\d+$)/);
      const upstream = connect(Number(port), host!, () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.write(head);
        upstream.pipe(client);
        client.pipe(upstream);
      });
      this.sockets.add(upstream);
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
    });
  }

  async start(): Promise<string> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    this.server.close();
  }
}

describe('outgoing requests through an HTTP proxy', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let proxy: CountingProxy;
  let proxyUrl: string;
  let plain: Server;
  let plainUrl: string;
  let tls: Server;
  let tlsUrl: string;
  let cert: string;

  beforeAll(async () => {
    ({ dir, cleanup } = await makeTempDir());
    proxy = new CountingProxy();
    proxyUrl = await proxy.start();
    plain = createServer((_req, res) => res.end('plain answer'));
    plain.listen(0, '127.0.0.1');
    await once(plain, 'listening');
    plainUrl = `http://127.0.0.1:${(plain.address() as AddressInfo).port}`;
    cert = join(dir, 'server.pem');
    const key = join(dir, 'server.key');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    tls = createHttpsServer({ cert: readFileSync(cert), key: readFileSync(key) }, (req, res) => res.end(`tls answer to ${req.method} ${req.url}`));
    tls.listen(0, '127.0.0.1');
    await once(tls, 'listening');
    tlsUrl = `https://127.0.0.1:${(tls.address() as AddressInfo).port}`;
  });

  beforeEach(() => {
    proxy.forwarded = [];
    proxy.tunnels = [];
  });

  afterAll(async () => {
    await proxy.stop();
    plain.close();
    tls.close();
    await cleanup();
  });

  it('LiveUpdate GETs plain http through the proxy with the absolute URL', async () => {
    const body = await httpGet(`${plainUrl}/index.json`, { timeoutMs: 20_000, maxBytes: 1000, proxy: proxyUrl });
    expect(body.toString()).toBe('plain answer');
    expect(proxy.forwarded).toEqual([`${plainUrl}/index.json`]);
  });

  it('the forwarder reaches an https Central Quarantine through a CONNECT tunnel, TLS checked end to end', async () => {
    const endpoint = new CentralEndpoint({ url: tlsUrl, token: null, caFile: cert, connections: 1, proxy: proxyUrl });
    try {
      const req = endpoint.request('/api/v1/ping', 'GET', {});
      req.end();
      const [res] = (await once(req, 'response')) as [import('node:http').IncomingMessage];
      let text = '';
      for await (const chunk of res) text += String(chunk);
      expect(text).toBe('tls answer to GET /api/v1/ping');
      expect(proxy.tunnels).toEqual([tlsUrl.replace('https://', '')]);
    } finally {
      endpoint.close();
    }
  });

  it('says which proxy refused, and "none" goes direct', async () => {
    await expect(httpGet(`${plainUrl}/x`, { timeoutMs: 20_000, maxBytes: 1000, proxy: 'http://127.0.0.1:1' })).rejects.toThrow(/connection refused/);
    const body = await httpGet(`${plainUrl}/x`, { timeoutMs: 20_000, maxBytes: 1000, proxy: 'none' });
    expect(body.toString()).toBe('plain answer');
    expect(proxy.forwarded).toEqual([]);
  });

  it('takes the proxy from HTTP_PROXY / http_proxy and honours NO_PROXY (spawned epq defs update)', async () => {
    const state = join(dir, 'state');
    const update = (env: Record<string, string>): Promise<unknown> =>
      runCli(['defs', 'update', '--state-dir', state, '--source', `${plainUrl}/defs/`], { env: { PATH: process.env.PATH ?? '', ...env } });
    await update({ HTTP_PROXY: proxyUrl });
    expect(proxy.forwarded).toEqual([`${plainUrl}/defs/index.json`]);
    await update({ http_proxy: proxyUrl });
    expect(proxy.forwarded).toHaveLength(2);
    await update({ HTTP_PROXY: proxyUrl, NO_PROXY: 'localhost,127.0.0.1' });
    await update({ http_proxy: proxyUrl, no_proxy: '*' });
    expect(proxy.forwarded).toHaveLength(2);
  });

  it('decides the route from the URL, the setting and the environment', () => {
    const env = { HTTPS_PROXY: 'proxy.corp:3128', HTTP_PROXY: 'http://plain.corp:8080', NO_PROXY: '.internal.example, 10.0.0.1, svc:8443' };
    expect(pickProxyRoute(new URL('https://updates.example/x'), null, env)).toEqual({ kind: 'tunnel', proxy: new URL('http://proxy.corp:3128') });
    expect(pickProxyRoute(new URL('http://updates.example/x'), null, env)).toEqual({ kind: 'forward', proxy: new URL('http://plain.corp:8080') });
    expect(pickProxyRoute(new URL('https://a.internal.example/'), null, env).kind).toBe('direct');
    expect(pickProxyRoute(new URL('http://10.0.0.1/'), null, env).kind).toBe('direct');
    expect(pickProxyRoute(new URL('https://svc:8443/'), null, env).kind).toBe('direct');
    expect(pickProxyRoute(new URL('https://svc/'), null, env).kind).toBe('tunnel');
    expect(pickProxyRoute(new URL('https://updates.example/'), 'none', env).kind).toBe('direct');
    expect(pickProxyRoute(new URL('https://updates.example/'), 'http://cfg:1', {}).kind).toBe('tunnel');
    expect(pickProxyRoute(new URL('https://updates.example/'), null, {}).kind).toBe('direct');
    expect(() => pickProxyRoute(new URL('https://u.example/'), 'socks5://x:1', {})).toThrow(ProxySettingError);
  });
});
