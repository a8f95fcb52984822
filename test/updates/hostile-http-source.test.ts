/**
 * A hostile LiveUpdate HTTP source: each trick is refused with a clear reason naming the URL
 * and the bound, within its deadline, and the active definitions stay as they were.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import { readFile } from 'node:fs/promises';
import { installDefinitions } from '../../agent/updates/install-definitions.js';
import { checkForUpdates, type CheckContext } from '../../agent/updates/update-source.js';
import { detect, markerOf, openContext, type Publisher, usePublisherFixture } from './helpers.js';

let pub: Publisher;
let state: string;
usePublisherFixture((fx) => ({ pub, state } = fx));

describe('hostile http source', () => {
  let server: Server;
  let base: string;
  const routes = new Map<string, (req: IncomingMessage, res: ServerResponse) => void>();
  const timers = new Set<NodeJS.Timeout>();

  beforeAll(async () => {
    server = createServer((req, res) => {
      const route = routes.get(req.url ?? '');
      if (route) route(req, res);
      else res.writeHead(404, 'Not Found').end('no');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterEach(() => {
    for (const t of timers) clearInterval(t);
    timers.clear();
    routes.clear();
    server.closeAllConnections();
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  /** A context with full sequence 3 active: what every hostile check must leave in place. */
  async function activeAt3(): Promise<CheckContext> {
    const { ctx } = await openContext(state, [pub.trusted]);
    await installDefinitions(await pub.full(3), ctx);
    return { ...ctx, source: '' };
  }

  async function expectUntouched(ctx: CheckContext): Promise<void> {
    expect(ctx.definitions.current().sequence).toBe(3);
    expect(detect(ctx, markerOf(3))).toEqual(['Marker.3']);
  }

  /** Writes `piece` every `everyMs` until the client goes away: a body with no end. */
  function endless(res: ServerResponse, piece: Buffer, everyMs: number, headers: Record<string, string> = {}): void {
    res.writeHead(200, { 'content-type': 'application/octet-stream', ...headers });
    const pump = (): void => {
      while (!res.destroyed && res.write(piece));
    };
    if (everyMs === 0) {
      res.on('drain', pump);
      pump();
      return;
    }
    const t = setInterval(() => (res.destroyed ? clearInterval(t) : res.write(piece)), everyMs);
    timers.add(t);
  }

  test('an endless index.json is cut at 4 MiB, naming the URL and the limit', async () => {
    const ctx = await activeAt3();
    routes.set('/endless/index.json', (_req, res) => endless(res, Buffer.alloc(64 * 1024, 0x20), 0));
    const r = await checkForUpdates({ ...ctx, source: `${base}/endless` });
    expect(r).toMatchObject({ result: 'unreachable', reason: `${base}/endless/index.json: the answer is more than the 4194304 bytes accepted (size limit)` });
    await expectUntouched(ctx);
  });

  test('a huge declared index.json is refused before reading it', async () => {
    const ctx = await activeAt3();
    let written = 0;
    routes.set('/huge/index.json', (_req, res) => {
      res.writeHead(200, { 'content-length': String(2 * 1024 ** 3) });
      written = 10;
      res.write('{"packages"');
    });
    const r = await checkForUpdates({ ...ctx, source: `${base}/huge` });
    expect(written).toBe(10);
    expect(r).toMatchObject({ result: 'unreachable', reason: `${base}/huge/index.json: the answer is more than the 4194304 bytes accepted (size limit)` });
    await expectUntouched(ctx);
  });

  test('an endless package is cut at maxPackageBytes', async () => {
    const ctx = await activeAt3();
    routes.set('/pkg/index.json', (_req, res) => res.end(JSON.stringify({ packages: [{ file: 'p.epqdefs', sequence: 9, kind: 'full' }] })));
    routes.set('/pkg/p.epqdefs', (_req, res) => endless(res, Buffer.alloc(16 * 1024, 7), 0));
    const r = await checkForUpdates({ ...ctx, source: `${base}/pkg`, maxPackageBytes: 1024 * 1024 });
    expect(r).toMatchObject({ result: 'unreachable', reason: `${base}/pkg/p.epqdefs: the answer is more than the 1048576 bytes accepted (size limit)` });
    await expectUntouched(ctx);
  });

  test('a slow drip is cut at the total deadline, a silent server at the idle deadline', async () => {
    const ctx = await activeAt3();
    routes.set('/drip/index.json', (_req, res) => endless(res, Buffer.from(' '), 50));
    let started = Date.now();
    const drip = await checkForUpdates({ ...ctx, source: `${base}/drip`, timeoutMs: 1500, idleTimeoutMs: 1000 });
    expect(drip).toMatchObject({ result: 'unreachable', reason: `${base}/drip/index.json: no complete answer within 1500 ms (timed out)` });
    expect(Date.now() - started).toBeLessThan(10_000);
    routes.set('/silent/index.json', (_req, res) => res.writeHead(200).write('{'));
    started = Date.now();
    const silent = await checkForUpdates({ ...ctx, source: `${base}/silent`, timeoutMs: 20_000, idleTimeoutMs: 500 });
    expect(silent).toMatchObject({ result: 'unreachable', reason: `${base}/silent/index.json: nothing sent or received for 500 ms (idle timeout)` });
    expect(Date.now() - started).toBeLessThan(10_000);
    await expectUntouched(ctx);
  });

  test('an https source whose TLS handshake never completes is cut at the connect deadline', async () => {
    const ctx = await activeAt3();
    // Takes the TCP connection and never answers the ClientHello.
    const mute = createTcpServer((socket) => socket.on('error', () => {}).resume());
    await new Promise<void>((resolve) => mute.listen(0, '127.0.0.1', resolve));
    const source = `https://127.0.0.1:${(mute.address() as AddressInfo).port}`;
    try {
      const started = Date.now();
      const r = await checkForUpdates({ ...ctx, source, timeoutMs: 20_000, idleTimeoutMs: 15_000, connectTimeoutMs: 300 });
      expect(r).toMatchObject({ result: 'unreachable', reason: `${source}/index.json: no connection within 300 ms (connect timeout)` });
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      await new Promise((resolve) => mute.close(resolve));
    }
    await expectUntouched(ctx);
  });

  test('a redirect loop and a redirect chain are refused; a server\'s control characters are escaped', async () => {
    const ctx = await activeAt3();
    routes.set('/a/index.json', (_req, res) => res.writeHead(302, { location: '/b/index.json' }).end());
    routes.set('/b/index.json', (_req, res) => res.writeHead(302, { location: '/a/index.json' }).end());
    const loop = await checkForUpdates({ ...ctx, source: `${base}/a` });
    expect(loop).toMatchObject({ result: 'unreachable', reason: `${base}/a/index.json: redirect loop: ${base}/b/index.json sends back to ${base}/a/index.json` });
    for (let i = 0; i < 10; i++) routes.set(`/r${i}/index.json`, (_req, res) => res.writeHead(302, { location: `/r${i + 1}/index.json` }).end());
    const chain = await checkForUpdates({ ...ctx, source: `${base}/r0` });
    expect(chain).toMatchObject({ result: 'unreachable', reason: `${base}/r0/index.json: too many redirects (more than 5)` });
    routes.set('/esc/index.json', (_req, res) => res.end(`{"packages": [{"file": "\\u001b]0;owned\\u0007../x", "sequence": 4, "kind": "full"}]} \u009b2J`));
    const esc = await checkForUpdates({ ...ctx, source: `${base}/esc` });
    expect(esc.result).toBe('refused');
    expect(esc.reason).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
    await expectUntouched(ctx);
  });

  test('after all that, an honest source still installs', async () => {
    const ctx = await activeAt3();
    routes.set('/ok/index.json', (_req, res) => res.end(JSON.stringify({ packages: [{ file: 'p.epqdefs', sequence: 5, kind: 'full' }] })));
    const bytes = await readFile(await pub.full(5));
    routes.set('/ok/p.epqdefs', (_req, res) => res.end(bytes));
    expect(await checkForUpdates({ ...ctx, source: `${base}/ok` })).toMatchObject({ result: 'installed', sequence: 5 });
  });
});
