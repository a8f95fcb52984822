import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { waitUntil } from '../helpers/agent-process.js';
import { makeForwardFixture, type ForwardFixture } from './forward-fixture.js';
import { acceptReply, ScriptedServer, type Reply } from './scripted-server.js';

const json = (res: Parameters<Reply>[2], status: number, body: unknown, headers: Record<string, string> = {}): void => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
};

/**
 * How the forwarder reads each kind of answer, from real HTTP servers that answer as scripted:
 * errors are retried with backoff, Retry-After is obeyed, refusals are recorded and not
 * retried, and nothing but a proper sample record counts as delivered.
 */
describe('forwarder answers', () => {
  let fx: ForwardFixture;
  let server: ScriptedServer | undefined;
  beforeEach(async () => {
    fx = await makeForwardFixture();
  });
  afterEach(async () => {
    await fx.cleanup();
    await server?.close();
    server = undefined;
  });

  it('retries 500s with growing, jittered delays until the sample is accepted', async () => {
    server = await ScriptedServer.start((k, req, res) => (k < 3 ? json(res, 500, { error: 'internal', message: 'disk on fire' }) : acceptReply(req, res)));
    const item = await fx.quarantine('a.bin', Buffer.from('sample a'));
    const f = fx.forwarder(server.url, { random: () => 0 });
    f.start();
    await fx.drained(f);
    const ups = server.uploads();
    expect(ups).toHaveLength(4);
    expect(ups.every((u) => u.bodyLength === item.size && u.headers['x-sample-id'] === item.id)).toBe(true);
    // With random() = 0 the delays are exactly half the exponential steps: 25, 50, 100 ms.
    const gaps = ups.slice(1).map((u, i) => u.at - ups[i]!.at);
    expect(gaps[0]).toBeGreaterThanOrEqual(20);
    expect(gaps[1]).toBeGreaterThanOrEqual(45);
    expect(gaps[2]).toBeGreaterThanOrEqual(95);
    expect(fx.outbox().get(item.id)).toMatchObject({ state: 'sent', attempts: 0, lastError: null });
    expect(fx.store.records.get(item.id)!.status).toBe('Submitted');
  });

  it('waits as long as a 503 Retry-After says, even beyond the retry interval', async () => {
    server = await ScriptedServer.start((k, req, res) => (k === 0 ? json(res, 503, { error: 'internal', message: 'busy' }, { 'retry-after': '2' }) : acceptReply(req, res)));
    await fx.quarantine('b.bin', Buffer.from('sample b'));
    const f = fx.forwarder(server.url, { retryInterval: 300 });
    f.start();
    await fx.drained(f);
    const [first, second] = server.uploads();
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(1950);
  });

  it('records a 413 refusal as the item\'s "declined" error and does not retry it blindly', async () => {
    let accept = false;
    server = await ScriptedServer.start((_k, req, res) => (accept ? acceptReply(req, res) : res.writeHead(413, { 'content-type': 'text/html' }).end('<h1>Too large</h1>')));
    const item = await fx.quarantine('c.bin', Buffer.alloc(4096, 1));
    const f = fx.forwarder(server.url, { retryInterval: 100 });
    f.start();
    await waitUntil(() => fx.outbox().get(item.id)?.state === 'refused', 5000, () => 'never refused');
    await new Promise((r) => setTimeout(r, 600));
    expect(server.uploads()).toHaveLength(1);
    const held = fx.store.records.get(item.id)!;
    expect(held.status).toBe('Error');
    expect(held.errors.map((e) => e.word)).toEqual(['declined']);
    expect(held.errors[0]!.message).toMatch(/HTTP 413 declined/);
    expect(fx.eventNames()).toContain('sample processing error');
    expect(f.backlog()).toBe(0);
    // `epq central resend` does this: a person decided to try again.
    accept = true;
    fx.outbox().requeue([item.id], Date.now());
    await waitUntil(() => fx.outbox().get(item.id)?.state === 'sent', 5000, () => 'resend never went out');
    expect(server.uploads()).toHaveLength(2);
  });

  it('takes a 200 with garbage for a failure and sends again', async () => {
    server = await ScriptedServer.start((k, req, res) => (k === 0 ? res.writeHead(200, { 'content-type': 'text/html' }).end('<html>OK!</html>') : acceptReply(req, res)));
    const item = await fx.quarantine('d.bin', Buffer.from('sample d'));
    const f = fx.forwarder(server.url);
    f.start();
    await fx.drained(f);
    expect(server.uploads()).toHaveLength(2);
    expect(fx.outbox().get(item.id)!.state).toBe('sent');
  });

  it('keeps retrying a server that answers bytes that are not HTTP, and says so', async () => {
    let connections = 0;
    const garbage: Server = createServer((s) => {
      connections++;
      s.on('error', () => {});
      // Read what the client sends, so its close is seen and the socket ends.
      s.resume();
      s.end('SSH-2.0-OpenSSH_9.6\r\n\x00\x01\x02 not http at all\r\n\r\n');
    });
    await new Promise<void>((resolve) => garbage.listen(0, '127.0.0.1', () => resolve()));
    const item = await fx.quarantine('e.bin', Buffer.from('sample e'));
    const f = fx.forwarder(`http://127.0.0.1:${(garbage.address() as AddressInfo).port}`, { retryInterval: 100 });
    f.start();
    await waitUntil(() => fx.eventNames().includes('unable to connect'), 5000, () => fx.eventNames().join());
    expect(connections).toBeGreaterThanOrEqual(3);
    expect(fx.events.find((e) => e.name === 'unable to connect')!.message).toMatch(/not HTTP/);
    expect(fx.outbox().get(item.id)).toMatchObject({ state: 'pending' });
    expect(fx.store.records.get(item.id)!.errors).toEqual([]);
    await f.stop();
    await new Promise<void>((resolve) => garbage.close(() => resolve()));
  });
});
