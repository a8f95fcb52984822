import { execFileSync } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { eicarBytes } from '../helpers/eicar.js';
import { waitUntil } from '../helpers/agent-process.js';
import { CentralProcess } from '../central/central-process.js';
import { rawRequest } from '../central/http-client.js';
import { makeForwardFixture, type ForwardFixture } from './forward-fixture.js';
import { ScriptedServer, acceptReply } from './scripted-server.js';

/** An HTTP proxy that flips the first byte of every request body on its way to `target`. */
async function startTamperingProxy(target: string): Promise<{ url: string; uploads: number; close(): Promise<void> }> {
  const state = { uploads: 0 };
  const server: Server = createServer((req, res) => {
    state.uploads++;
    let first = true;
    const flip = new Transform({
      transform(chunk: Buffer, _enc, done) {
        if (first && chunk.length > 0) {
          chunk[0] ^= 0xff;
          first = false;
        }
        done(null, chunk);
      },
    });
    const up = request(`${target}${req.url}`, { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(flip).pipe(up);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get uploads() {
      return state.uploads;
    },
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** The forwarder against the real reference server: integrity, access, privacy, status. */
describe('forwarder and the reference Central Quarantine', () => {
  let fx: ForwardFixture;
  const running: CentralProcess[] = [];
  const central = async (args: string[] = [], port = 0, data = join(fx.dir, 'central')): Promise<CentralProcess> => {
    const c = await CentralProcess.start(data, args, port);
    running.push(c);
    return c;
  };
  beforeEach(async () => {
    fx = await makeForwardFixture();
  });
  afterEach(async () => {
    await fx.cleanup();
    await Promise.all(running.splice(0).map((c) => c.stop('SIGKILL')));
  });

  it('a body tampered with in transit is refused with "content": resent a few times, then recorded', async () => {
    const c = await central();
    const proxy = await startTamperingProxy(c.url);
    const item = await fx.quarantine('t.bin', Buffer.from('bytes that will be damaged on the way'));
    const f = fx.forwarder(proxy.url);
    f.start();
    await waitUntil(() => fx.outbox().get(item.id)?.state === 'refused', 10_000, () => 'never refused');
    expect(proxy.uploads).toBe(3);
    const held = fx.store.records.get(item.id)!;
    expect(held.errors.map((e) => e.word)).toEqual(['content']);
    expect(held.status).toBe('Error');
    expect((await rawRequest(`${c.url}/samples`, 'GET', {})).json.samples).toEqual([]);
    await proxy.close();
  });

  it('gets through only with the right token, reporting a refused token as a connection problem', async () => {
    const c = await central(['--token', 'right-token']);
    const item = await fx.quarantine('k.bin', Buffer.from('needs a token'));
    const wrong = fx.forwarder(c.url, { token: 'wrong-token', retryInterval: 100 });
    wrong.start();
    await waitUntil(() => fx.eventNames().includes('unable to connect'), 5000, () => fx.eventNames().join());
    expect(fx.events.find((e) => e.name === 'unable to connect')!.message).toMatch(/HTTP 401: the Central Quarantine refused the token/);
    expect(fx.outbox().get(item.id)!.state).toBe('pending');
    expect(fx.store.records.get(item.id)!.errors).toEqual([]);
    await wrong.stop();
    const right = fx.forwarder(c.url, { token: 'right-token' });
    right.start();
    await fx.drained(right);
    const list = await rawRequest(`${c.url}/samples`, 'GET', { authorization: 'Bearer right-token' });
    expect(list.json.samples.map((s: { id: string }) => s.id)).toEqual([item.id]);
  });

  it('stripUserData leaves the user header out; by default it is sent', async () => {
    const server = await ScriptedServer.start((_k, req, res) => acceptReply(req, res));
    const plain = await fx.quarantine('u1.bin', Buffer.from('one'));
    const f1 = fx.forwarder(server.url);
    f1.start();
    await fx.drained(f1);
    await f1.stop();
    const stripped = await fx.quarantine('u2.bin', Buffer.from('two'));
    const f2 = fx.forwarder(server.url, { stripUserData: true });
    f2.start();
    await fx.drained(f2);
    const byId = new Map(server.uploads().map((u) => [u.headers['x-sample-id'], u.headers]));
    expect(byId.get(plain.id)!['x-platform-user']).toBe('alice');
    expect(byId.get(stripped.id)!['x-platform-user']).toBeUndefined();
    expect(byId.get(stripped.id)).toMatchObject({ 'x-platform-computer': 'ws-test', 'x-platform-address': '10.0.0.5', 'x-sample-file-name': 'u2.bin', 'x-sample-size': '3' });
    await server.close();
  });

  it('status queries mirror the server\'s verdict into the item; ids the server lost are sent again', async () => {
    const data = join(fx.dir, 'central');
    const c = await central([], 0, data);
    const port = c.port;
    const eicar = await fx.quarantine('eicar.com', eicarBytes());
    const f = fx.forwarder(c.url);
    f.start();
    await fx.drained(f);
    expect(fx.store.records.get(eicar.id)).toMatchObject({ status: 'Submitted', state: 'infected' });
    await f.stop();
    // The server loses its store before the agent's next status query.
    await c.stop('SIGKILL');
    await rm(data, { recursive: true });
    const again = await central([], port, data);
    const polling = fx.forwarder(again.url, { statusInterval: 150 });
    polling.start();
    await waitUntil(async () => (await rawRequest(`${again.url}/samples`, 'GET', {})).json.samples.length === 1, 10_000, () => 'the lost sample was never sent again');
    expect(fx.events.some((e) => e.name === 'sample processing error' && /does not hold 1 sample/.test(e.message))).toBe(true);
    await waitUntil(() => fx.store.records.get(eicar.id)!.status === 'Unneeded', 10_000, () => `status stayed ${fx.store.records.get(eicar.id)!.status}`);
    expect(fx.store.records.get(eicar.id)!.state).toBe('infected');
    expect(fx.outbox().get(eicar.id)).toMatchObject({ state: 'done', remoteStatus: 'Unneeded', remoteState: 'infected' });
  });

  it('forwards over TLS when central.caFile trusts the server\'s certificate', async () => {
    const cert = join(fx.dir, 'cert.pem');
    const key = join(fx.dir, 'key.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    const c = await central(['--tls-cert', cert, '--tls-key', key]);
    const item = await fx.quarantine('tls.bin', Buffer.from('over tls'));
    const untrusting = fx.forwarder(c.url, { retryInterval: 100 });
    untrusting.start();
    await waitUntil(() => fx.eventNames().includes('unable to connect'), 5000, () => fx.eventNames().join());
    expect(fx.events.find((e) => e.name === 'unable to connect')!.message).toMatch(/self-signed and not trusted \(set central.caFile\)/);
    await untrusting.stop();
    const trusting = fx.forwarder(c.url, { caFile: cert });
    trusting.start();
    await fx.drained(trusting);
    expect(fx.outbox().get(item.id)!.state).toBe('sent');
  });
});
