import { execFileSync } from 'node:child_process';
import type { ServerResponse } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Server } from 'node:net';
import { join } from 'node:path';
import { CentralEndpoint } from '../../agent/forward/central-endpoint.js';
import { runStatusQuery } from '../../agent/forward/status-query.js';
import { waitUntil } from '../helpers/agent-process.js';
import { CentralProcess } from '../central/central-process.js';
import { openRaw } from '../central/raw-socket.js';
import { makeForwardFixture, type ForwardFixture } from './forward-fixture.js';
import { acceptReply, ScriptedServer } from './scripted-server.js';

/** Writes `piece` every `everyMs` (0: as fast as the socket takes it) until the client goes. */
function endless(res: ServerResponse, piece: Buffer, everyMs: number): void {
  res.writeHead(201, { 'content-type': 'application/json' });
  if (everyMs === 0) {
    const pump = (): void => {
      while (!res.destroyed && res.write(piece));
    };
    res.on('drain', pump);
    pump();
    return;
  }
  const t = setInterval(() => (res.destroyed ? clearInterval(t) : res.write(piece)), everyMs);
  res.on('close', () => clearInterval(t));
}

/**
 * A hostile or broken Central Quarantine: every upload and status query ends within its
 * deadlines and its size limit, with a reason that names the URL and the bound, and the item is
 * delivered once the server behaves.
 */
describe('forwarder requests are bounded', () => {
  let fx: ForwardFixture;
  let server: ScriptedServer | undefined;
  const running: CentralProcess[] = [];
  beforeEach(async () => {
    fx = await makeForwardFixture();
  });
  afterEach(async () => {
    await fx.cleanup();
    await server?.close();
    server = undefined;
    await Promise.all(running.splice(0).map((c) => c.stop()));
  });

  /** Waits for the item's first failed attempt and returns its recorded reason. */
  async function firstFailure(id: string): Promise<string> {
    await waitUntil(() => fx.errorsOf(id).length > 0, 15_000, () => `no failure recorded: ${JSON.stringify(fx.outbox().get(id))}`);
    return fx.errorsOf(id)[0]!;
  }

  it('cuts an endless answer at the size limit, then delivers', async () => {
    server = await ScriptedServer.start((k, req, res) => (k === 0 ? endless(res, Buffer.alloc(8192, 0x20), 0) : acceptReply(req, res)));
    const item = await fx.quarantine('a.bin', Buffer.from('sample a'));
    const f = fx.forwarder(server.url, { bounds: { maxReplyBytes: 4096 } });
    f.start();
    expect(await firstFailure(item.id)).toBe(`${server.url}/samples: the answer is more than the 4096 bytes accepted (size limit)`);
    await fx.drained(f);
    expect(fx.outbox().get(item.id)!.state).toBe('sent');
  });

  it('gives up on a server that never answers at the idle deadline', async () => {
    server = await ScriptedServer.start((k, req, res) => (k === 0 ? undefined : acceptReply(req, res)));
    const item = await fx.quarantine('b.bin', Buffer.from('sample b'));
    const f = fx.forwarder(server.url, { idleTimeoutMs: 400, baseDelayMs: 1000 });
    f.start();
    expect(await firstFailure(item.id)).toBe(`${server.url}/samples: nothing sent or received for 400 ms (idle timeout)`);
    await fx.drained(f);
    expect(server.uploads()).toHaveLength(2);
  });

  it('gives up on an answer that drips in forever at the total deadline', async () => {
    server = await ScriptedServer.start((k, req, res) => (k === 0 ? endless(res, Buffer.from(' '), 50) : acceptReply(req, res)));
    const item = await fx.quarantine('b2.bin', Buffer.from('sample b2'));
    const f = fx.forwarder(server.url, { idleTimeoutMs: 400, bounds: { totalTimeoutMs: 1500 }, baseDelayMs: 1000 });
    f.start();
    expect(await firstFailure(item.id)).toBe(`${server.url}/samples: no complete answer within 1500 ms (timed out)`);
    await fx.drained(f);
    expect(server.uploads()).toHaveLength(2);
  });

  it('gives up on a TLS handshake that never completes at the connect deadline', async () => {
    const mute: Server = createTcpServer((s) => s.on('error', () => {}).resume());
    await new Promise<void>((resolve) => mute.listen(0, '127.0.0.1', () => resolve()));
    const url = `https://127.0.0.1:${(mute.address() as AddressInfo).port}`;
    try {
      const item = await fx.quarantine('c.bin', Buffer.from('sample c'));
      const f = fx.forwarder(url, { bounds: { connectTimeoutMs: 300 } });
      f.start();
      expect(await firstFailure(item.id)).toBe(`${url}/samples: no connection within 300 ms (connect timeout)`);
      await f.stop();
    } finally {
      await new Promise((resolve) => mute.close(resolve));
    }
  });

  it('cuts an endless status reply at the size limit', async () => {
    server = await ScriptedServer.start((_k, req, res) => (req.path === '/samples' ? acceptReply(req, res) : endless(res, Buffer.alloc(8192, 0x20), 0)));
    const item = await fx.quarantine('d.bin', Buffer.from('sample d'));
    const f = fx.forwarder(server.url);
    f.start();
    await fx.drained(f);
    await f.stop();
    const endpoint = new CentralEndpoint({ url: server.url, token: null, caFile: null, connections: 1 });
    try {
      const result = await runStatusQuery(endpoint, fx.outbox(), fx.store.records, { connectTimeoutMs: 5000, idleTimeoutMs: 5000, totalTimeoutMs: 10_000, maxReplyBytes: 64 * 1024 }, Date.now);
      expect(result).toEqual({ ok: false, reason: `${server.url}/samples/status: the answer is more than the 65536 bytes accepted (size limit)`, retryAfterMs: null });
    } finally {
      endpoint.close();
    }
    expect(fx.outbox().get(item.id)!.state).toBe('sent');
  });

  it('keeps a server\'s control characters out of the recorded reason', async () => {
    server = await ScriptedServer.start((k, req, res) => (k === 0
      ? res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '1' }).end(JSON.stringify({ error: 'internal', message: '\u001b]0;owned\u0007\u001b[2Jbusy\n2026 forged line\u009b31m' }))
      : acceptReply(req, res)));
    const item = await fx.quarantine('e.bin', Buffer.from('sample e'));
    const f = fx.forwarder(server.url);
    f.start();
    const reason = await firstFailure(item.id);
    expect(reason).toBe('HTTP 503: \\x1b]0;owned\\x07\\x1b[2Jbusy\\n2026 forged line\\u009b31m');
    await fx.drained(f);
  });

  it('uploads over https to a real server with central.caFile; a wrong CA is refused clearly', async () => {
    const pem = (name: string): { cert: string; key: string } => {
      const cert = join(fx.dir, `${name}.pem`);
      const key = join(fx.dir, `${name}.key`);
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
      return { cert, key };
    };
    const real = pem('server');
    const other = pem('other');
    const c = await CentralProcess.start(join(fx.dir, 'central'), ['--tls-cert', real.cert, '--tls-key', real.key, '--header-timeout', '1s']);
    running.push(c);
    const item = await fx.quarantine('tls.bin', Buffer.from('over tls, bounded'));
    const wrong = fx.forwarder(c.url, { caFile: other.cert, retryInterval: 100 });
    wrong.start();
    expect(await firstFailure(item.id)).toBe(`the server certificate is not signed by the CA in central.caFile ${other.cert} (DEPTH_ZERO_SELF_SIGNED_CERT)`);
    await wrong.stop();
    const right = fx.forwarder(c.url, { caFile: real.cert, statusInterval: 100 });
    right.start();
    await fx.drained(right);
    // The status query went over the same https connection pool.
    await waitUntil(() => (fx.outbox().get(item.id)?.remoteState ?? null) !== null, 10_000, () => JSON.stringify(fx.outbox().get(item.id)));
    expect(c.output).toMatch(/stored \S+ "tls\.bin"/);
    // A client that never starts its TLS handshake is cut at the header timeout too.
    const silent = await openRaw(c.port, Buffer.alloc(0));
    try {
      await waitUntil(() => silent.closed(), 10_000, () => 'a silent TLS client was never cut');
    } finally {
      silent.socket.destroy();
    }
  });
});
