import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { waitUntil } from '../helpers/agent-process.js';
import { seededRandom } from '../helpers/seeded-random.js';
import { CentralProcess } from '../central/central-process.js';
import { rawRequest } from '../central/http-client.js';
import { makeForwardFixture, type ForwardFixture } from './forward-fixture.js';
import { freePort } from '../../bench/free-port.js';
import { TcpFront } from './tcp-front.js';

interface Listed {
  id: string;
  size: number;
  checksum: string;
  receipts: number;
}

async function samplesOn(url: string): Promise<Listed[]> {
  return (await rawRequest(`${url}/samples`, 'GET', {})).json.samples as Listed[];
}

/**
 * Outages against a real `epq central serve` process: the server down, killed mid-upload, and
 * the forwarder itself restarted with a backlog. Every item must arrive, complete, once.
 */
describe('forwarder through outages', () => {
  let fx: ForwardFixture;
  let central: CentralProcess | undefined;
  let front: TcpFront | undefined;
  const rnd = seededRandom(11);

  beforeEach(async () => {
    fx = await makeForwardFixture();
  });
  afterEach(async () => {
    await front?.close();
    await central?.stop('SIGKILL');
    front = undefined;
    central = undefined;
    await fx.cleanup();
  });

  it('server down for the first attempts, then up: every item arrives exactly once', async () => {
    central = await CentralProcess.start(join(fx.dir, 'central'));
    const DOWN_FOR = 8;
    front = await TcpFront.start(central.port, (n) => (n <= DOWN_FOR ? 'reset' : 'pass'));
    const items = [];
    for (let i = 0; i < 10; i++) items.push(await fx.quarantine(`f${i}.bin`, Buffer.from(rnd.bytes(1000 + i * 997))));
    const f = fx.forwarder(front.url);
    f.start();
    await fx.drained(f);
    expect(front.connections).toBeGreaterThan(DOWN_FOR);
    const stored = await samplesOn(central.url);
    expect(stored.map((s) => s.id).sort()).toEqual(items.map((i) => i.id).sort());
    expect(stored.every((s) => s.receipts === 1)).toBe(true);
    for (const item of items) {
      expect(stored.find((s) => s.id === item.id)).toMatchObject({ size: item.size, checksum: item.sha256 });
      expect(fx.store.records.get(item.id)!.status).toBe('Submitted');
    }
    const names = fx.eventNames();
    expect(names.indexOf('unable to connect')).toBeGreaterThanOrEqual(0);
    expect(names.indexOf('connection restored')).toBeGreaterThan(names.indexOf('unable to connect'));
    expect(names.filter((n) => n === 'sample forwarded')).toHaveLength(10);
  });

  it('server killed in the middle of an upload: the item arrives complete later', async () => {
    const data = join(fx.dir, 'central');
    central = await CentralProcess.start(data);
    const port = central.port;
    // 64 KiB per 10 ms: the 8 MiB upload takes over a second, time enough to kill the server midway.
    front = await TcpFront.start(port, () => 'pass', 64 * 1024);
    const item = await fx.quarantine('big.bin', randomBytes(8 * 1024 * 1024));
    const f = fx.forwarder(front.url);
    f.start();
    await waitUntil(() => front!.bytesUp > 2 * 1024 * 1024, 10_000, () => `upload never got going (${front!.bytesUp} bytes)`);
    await central.stop('SIGKILL');
    await waitUntil(() => (fx.outbox().get(item.id)?.attempts ?? 0) >= 1, 10_000, () => 'the cut upload was never counted as a failure');
    expect(fx.outbox().get(item.id)!.state).toBe('pending');
    front.bytesPerTick = 0;
    central = await CentralProcess.start(data, [], port);
    await fx.drained(f);
    const [stored] = await samplesOn(central.url);
    expect(stored).toMatchObject({ id: item.id, size: item.size, checksum: item.sha256, receipts: 1 });
    expect(readdirSync(join(data, 'incoming'))).toEqual([]);
  });

  it('forwarder restarted with a backlog: the backlog drains, never-queued items included', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const first = fx.forwarder(url, { retryInterval: 200 });
    first.start();
    const queued = [];
    for (let i = 0; i < 12; i++) {
      const item = await fx.quarantine(`q${i}.bin`, Buffer.from(rnd.bytes(5000)));
      first.enqueue(item.id);
      queued.push(item);
    }
    await waitUntil(() => fx.eventNames().includes('unable to connect'), 10_000, () => 'never reported the outage');
    expect(fx.events.find((e) => e.name === 'unable to connect')!.message).toMatch(/connection refused/);
    expect(first.backlog()).toBe(12);
    await first.stop();
    await fx.reopen();
    // Quarantined while no forwarder ran: no event will ever announce these.
    const unannounced = [await fx.quarantine('late1.bin', Buffer.from('late one')), await fx.quarantine('late2.bin', Buffer.from('late two'))];
    central = await CentralProcess.start(join(fx.dir, 'central'), [], port);
    const second = fx.forwarder(url);
    expect(second.backlog()).toBe(12);
    second.start();
    await fx.drained(second);
    const stored = await samplesOn(central.url);
    expect(stored.map((s) => s.id).sort()).toEqual([...queued, ...unannounced].map((i) => i.id).sort());
    expect(stored.every((s) => s.receipts === 1)).toBe(true);
  });
});
