import { readdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { eicarBytes } from '../helpers/eicar.js';
import { waitUntil } from '../helpers/agent-process.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { CentralProcess } from './central-process.js';
import { postSample, rawRequest, sampleHeaders, sha256 } from './http-client.js';

/**
 * The reference Central Quarantine as a client sees it: a real `epq central serve` process,
 * spoken to in plain HTTP the way any forwarder (or curl) would.
 */
describe('epq central serve: intake over HTTP', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let central: CentralProcess;
  const data = (): string => join(dir, 'data');

  beforeAll(async () => {
    ({ dir, cleanup } = await makeTempDir('epq-central-'));
    central = await CentralProcess.start(data());
  });
  afterAll(async () => {
    await central.stop();
    await cleanup();
  });

  it('stores a sample once, scanned with its own definitions, encrypted at rest, with the guide columns', async () => {
    const first = await postSample(central.url, 'e1', eicarBytes());
    expect(first.status).toBe(201);
    expect(first.json).toMatchObject({ id: 'e1', duplicate: false, state: 'infected', status: 'Unneeded', virus: 'Eicar-Test-Signature', fileName: 'report été.exe', user: 'alice', computer: 'ws-17', receipts: 1 });
    expect(first.json.dateAnalyzed).not.toBeNull();
    const again = await postSample(central.url, 'e1', eicarBytes());
    expect(again.status).toBe(200);
    expect(again.json).toMatchObject({ id: 'e1', duplicate: true, receipts: 2 });
    const list = await rawRequest(`${central.url}/samples`, 'GET', {});
    expect(list.json.samples.map((s: { id: string }) => s.id)).toEqual(['e1']);
    expect((await rawRequest(`${central.url}/samples/e1`, 'GET', {})).json).toMatchObject({ id: 'e1', size: eicarBytes().length, checksum: sha256(eicarBytes()) });
    const blobs = readdirSync(join(data(), 'samples'));
    expect(blobs).toEqual(['e1.sample']);
    expect(readFileSync(join(data(), 'samples', 'e1.sample')).includes(Buffer.from('EICAR-STANDARD'))).toBe(false);
  });

  it('refuses a body that does not match its checksum with "content", storing nothing', async () => {
    const body = Buffer.from('the bytes that were sent');
    const r = await postSample(central.url, 'tampered', Buffer.from('the bytes that were SENT'), {}, body);
    expect(r.status).toBe(422);
    expect(r.json).toMatchObject({ error: 'content', id: 'tampered' });
    expect((await rawRequest(`${central.url}/samples/tampered`, 'GET', {})).status).toBe(404);
    expect(readdirSync(join(data(), 'incoming'))).toEqual([]);
  });

  it('refuses bodies longer or shorter than X-Sample-Size with "overrun" and "underrun"', async () => {
    const body = Buffer.alloc(100, 7);
    const over = await postSample(central.url, 'over', body, { 'x-sample-size': '60' });
    expect([over.status, over.json.error]).toEqual([400, 'overrun']);
    const under = await postSample(central.url, 'under', body, { 'x-sample-size': '160' });
    expect([under.status, under.json.error]).toEqual([400, 'underrun']);
    expect((await rawRequest(`${central.url}/samples`, 'GET', {})).json.samples.map((s: { id: string }) => s.id)).toEqual(['e1']);
  });

  it('refuses missing and malformed attributes and unsupported types with the guide words', async () => {
    const body = Buffer.from('x');
    const noId = sampleHeaders('m1', body);
    delete noId['x-sample-id'];
    const missing = await rawRequest(`${central.url}/samples`, 'POST', noId, body);
    expect([missing.status, missing.json.error]).toEqual([400, 'missing']);
    expect(missing.json.message).toMatch(/x-sample-id/);
    const malformed = await postSample(central.url, 'm2', body, { 'x-sample-checksum': 'not-a-sha256' });
    expect([malformed.status, malformed.json.error]).toEqual([400, 'malformed']);
    const badDate = await postSample(central.url, 'm3', body, { 'x-date-quarantined': 'yesterday' });
    expect([badDate.status, badDate.json.error]).toEqual([400, 'malformed']);
    const type = await postSample(central.url, 'm4', body, { 'x-sample-type': 'directory' });
    expect([type.status, type.json.error]).toEqual([415, 'type']);
  });

  it('declines the same id with other content (409), keeping the first', async () => {
    const r = await postSample(central.url, 'e1', Buffer.from('something else'));
    expect([r.status, r.json.error]).toEqual([409, 'declined']);
    expect((await rawRequest(`${central.url}/samples/e1`, 'GET', {})).json.checksum).toBe(sha256(eicarBytes()));
  });

  it('drops an upload whose connection is lost midway; the sample can be sent again whole', async () => {
    const body = Buffer.alloc(1 << 20, 1);
    const headers = sampleHeaders('cut', body);
    const head = `POST /samples HTTP/1.1\r\nhost: x\r\ncontent-length: ${body.length}\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n`;
    const { port } = new URL(central.url);
    await new Promise<void>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1', () => {
        socket.write(head);
        socket.write(body.subarray(0, 300_000), () => setTimeout(() => {
          socket.destroy();
          resolve();
        }, 100));
      });
      socket.on('error', reject);
    });
    await waitUntil(() => central.output.includes('refused cut'), 5000, () => central.output);
    expect(central.output).toMatch(/refused cut .*lost/);
    expect(readdirSync(join(data(), 'incoming'))).toEqual([]);
    expect((await rawRequest(`${central.url}/samples/cut`, 'GET', {})).status).toBe(404);
    const whole = await postSample(central.url, 'cut', body);
    expect(whole.status).toBe(201);
    expect(whole.json.size).toBe(body.length);
  });

  it('answers status queries for known and unknown ids', async () => {
    const r = await rawRequest(`${central.url}/samples/status`, 'POST', { 'content-type': 'application/json' }, Buffer.from(JSON.stringify({ ids: ['e1', 'never-sent'] })));
    expect(r.status).toBe(200);
    expect(r.json.samples.map((s: { id: string; state: string }) => [s.id, s.state])).toEqual([['e1', 'infected']]);
    expect(r.json.unknown).toEqual(['never-sent']);
    const bad = await rawRequest(`${central.url}/samples/status`, 'POST', {}, Buffer.from('{"ids": 3}'));
    expect([bad.status, bad.json.error]).toEqual([400, 'malformed']);
  });

  it('stops cleanly on SIGTERM and keeps its samples across a restart', async () => {
    expect(await central.stop()).toBe(0);
    expect(central.output).toMatch(/epq central: stopped/);
    central = await CentralProcess.start(data());
    expect(central.output).toMatch(/2 sample\(s\)/);
    expect((await rawRequest(`${central.url}/samples`, 'GET', {})).json.samples.map((s: { id: string }) => s.id).sort()).toEqual(['cut', 'e1']);
  });
});
