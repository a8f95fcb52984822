import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'node:http';
import { waitUntil } from '../helpers/agent-process.js';
import { runCli } from '../helpers/run-cli.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { ScriptedServer } from '../forward/scripted-server.js';
import { CentralProcess } from './central-process.js';
import { postSample, rawRequest, sampleHeaders } from './http-client.js';
import { drip, openRaw, uploadHead, type RawClient } from './raw-socket.js';

const MAX_SIZE = 64 * 1024;

/**
 * Hostile clients against a real `epq central serve` with short limits: none of them can hold a
 * socket, an upload slot or the store's free space past its deadline, and honest uploads keep
 * getting through.
 */
describe('epq central serve: bounded against hostile clients', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  /** Short timeouts, to see each one cut. */
  let central: CentralProcess;
  /** Long timeouts, so that held uploads and connections outlast a loaded machine's delays. */
  let roomy: CentralProcess;
  const incoming = (): string[] => readdirSync(join(dir, 'data', 'incoming'));
  const open: RawClient[] = [];
  const raw = async (text: string | Buffer, from?: string, server = central): Promise<RawClient> => {
    const c = await openRaw(server.port, text, from);
    open.push(c);
    return c;
  };
  const describeServer = async (server = central): Promise<{ reservedBytes: number; usedBytes: number }> => (await rawRequest(`${server.url}/`, 'GET', {})).json;

  beforeAll(async () => {
    ({ dir, cleanup } = await makeTempDir('epq-central-limits-'));
    [central, roomy] = await Promise.all([
      CentralProcess.start(join(dir, 'data'), ['--max-size', String(MAX_SIZE), '--header-timeout', '1s', '--idle-timeout', '3s', '--request-timeout', '8s', '--max-json-size', '1K']),
      CentralProcess.start(join(dir, 'roomy'), ['--header-timeout', '3s', '--idle-timeout', '20s', '--request-timeout', '30s', '--max-uploads-per-client', '3', '--max-uploads', '5', '--max-connections', '1100']),
    ]);
  });
  afterEach(() => {
    for (const c of open.splice(0)) c.socket.destroy();
  });
  afterAll(async () => {
    await Promise.all([central.stop(), roomy.stop()]);
    await cleanup();
  });

  it('prints its limits at start', () => {
    expect(central.output).toMatch(/limits: +headers 1s, idle 3s, request 8s, uploads 4 per client \/ 64 in all, JSON .+, connections 1024/);
    expect(roomy.output).toMatch(/limits: +headers 3s, idle 20s, request 30s, uploads 3 per client \/ 5 in all, JSON .+, connections 1100/);
  });

  it('cuts a slowloris client whose headers never end with 408, within the header timeout', async () => {
    const c = await raw('POST /samples HTTP/1.1\r\n');
    const started = Date.now();
    void drip(c, Buffer.from('x-padding: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'), 100);
    await waitUntil(() => c.closed(), 10_000, () => `still open after ${Date.now() - started} ms: ${c.received()}`);
    // The idle timeout (2 s) never fired: bytes kept coming; only the header deadline can cut it.
    expect(c.received()).toMatch(/^HTTP\/1\.1 408/);
  });

  it('cuts a slow body with 408 at the request timeout, keeps nothing and gives the room back', async () => {
    const body = Buffer.alloc(1000, 3);
    const c = await raw(uploadHead('drip', body));
    await waitUntil(async () => (await describeServer()).reservedBytes === 1000, 5000, () => 'the upload never reserved its room');
    void drip(c, body, 100);
    await waitUntil(() => c.closed(), 20_000, () => `a slow body was never cut: ${c.received()}`);
    expect(c.received()).toMatch(/^HTTP\/1\.1 408/);
    await waitUntil(async () => (await describeServer()).reservedBytes === 0, 5000, () => 'the reservation was kept');
    expect(incoming()).toEqual([]);
    await waitUntil(() => central.output.includes('refused drip'), 5000, () => central.output);
    expect((await rawRequest(`${central.url}/samples/drip`, 'GET', {})).status).toBe(404);
  });

  it('a stalled upload holding the whole store is cut at the idle timeout; the next upload then succeeds', async () => {
    const huge = Buffer.alloc(MAX_SIZE, 9);
    const stalled = await raw(Buffer.concat([Buffer.from(uploadHead('stall', huge)), huge.subarray(0, 10)]));
    await waitUntil(async () => (await describeServer()).reservedBytes === MAX_SIZE, 5000, () => 'the stalled upload never reserved its room');
    const blocked = await postSample(central.url, 'honest', Buffer.from('an honest sample'));
    expect(blocked.status).toBe(507);
    expect(blocked.json.message).toMatch(/reserved by 1 upload\(s\) in progress/);
    expect(blocked.headers['retry-after']).toBe('3');
    await waitUntil(() => stalled.closed(), 10_000, () => 'the stalled upload was never cut');
    // Cut for silence, not answered: the idle timeout did it, not the request timeout's 408.
    expect(stalled.received()).toBe('');
    let honest = await postSample(central.url, 'honest', Buffer.from('an honest sample'));
    await waitUntil(async () => honest.status === 201 || (honest = await postSample(central.url, 'honest', Buffer.from('an honest sample'))).status === 201, 5000, () => `honest upload: ${honest.status} ${honest.text}`);
    expect(await describeServer()).toMatchObject({ reservedBytes: 0, usedBytes: 16 });
    expect(incoming()).toEqual([]);
    expect((await rawRequest(`${central.url}/samples/stall`, 'GET', {})).status).toBe(404);
  });

  it('refuses a sample declaring more than the store at once (413) without reading it', async () => {
    const r = await postSample(central.url, 'liar', Buffer.from('small'), { 'x-sample-size': String(10 * 1024 ** 3) });
    expect([r.status, r.json.error]).toEqual([413, 'declined']);
    expect(await describeServer()).toMatchObject({ reservedBytes: 0 });
  });

  it('limits uploads at once per client address and in total: 503 with Retry-After, then room again', async () => {
    const body = Buffer.alloc(100, 1);
    const stall = async (id: string, from: string): Promise<RawClient> => raw(uploadHead(id, body), from, roomy);
    const mine = [await stall('a1', '127.0.0.1'), await stall('a2', '127.0.0.1'), await stall('a3', '127.0.0.1')];
    await waitUntil(async () => (await describeServer(roomy)).reservedBytes === 300, 5000, () => 'three uploads never started');
    const fourth = await postSample(roomy.url, 'a4', body);
    expect([fourth.status, fourth.json.error, fourth.headers['retry-after']]).toEqual([503, 'declined', '20']);
    expect(fourth.json.message).toMatch(/this client \(127\.0\.0\.1\) already has 3 uploads in progress/);
    const other = [await stall('b1', '127.0.0.2'), await stall('b2', '127.0.0.2')];
    await waitUntil(async () => (await describeServer(roomy)).reservedBytes === 500, 5000, () => 'the other client\'s uploads never started');
    const third = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = request(`${roomy.url}/samples`, { method: 'POST', headers: sampleHeaders('c1', body), localAddress: '127.0.0.3' }, (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      });
      req.on('error', reject);
      req.end(body);
    });
    expect(third.status).toBe(503);
    expect(third.text).toMatch(/receiving 5 uploads, the most allowed/);
    for (const c of [...mine, ...other]) c.socket.write(body);
    await Promise.all([...mine, ...other].map((c) => waitUntil(() => /^HTTP\/1\.1 201/.test(c.received()), 10_000, () => c.received())));
    expect((await postSample(roomy.url, 'a4', body)).status).toBe(201);
  });

  it('refuses an oversize JSON request with 413, an endless one too (connection closed), and still answers', async () => {
    const big = Buffer.from(JSON.stringify({ ids: Array.from({ length: 200 }, (_, i) => `id-${i}`) }));
    const r = await rawRequest(`${central.url}/samples/status`, 'POST', { 'content-type': 'application/json', 'content-length': String(big.length) }, big);
    expect([r.status, r.json.error]).toEqual([413, 'malformed']);
    expect(r.json.message).toMatch(/over 1024 bytes/);
    const endless = await raw('POST /samples/status HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n');
    const chunk = Buffer.from(`400\r\n${'['.repeat(0x400)}\r\n`);
    for (let i = 0; i < 64 && !endless.closed(); i++) endless.socket.write(chunk);
    await waitUntil(() => endless.closed(), 10_000, () => `the endless JSON body was never cut: ${endless.received()}`);
    expect(endless.received()).toMatch(/^HTTP\/1\.1 413/);
    const ok = await rawRequest(`${central.url}/samples/status`, 'POST', { 'content-type': 'application/json' }, Buffer.from('{"ids":["nope"]}'));
    expect(ok.json).toEqual({ samples: [], unknown: ['nope'] });
  });

  it('holds 1,000 slow connections at once, serves an honest upload meanwhile, and cuts them all', async () => {
    const crowd = await Promise.all(Array.from({ length: 1000 }, () => raw('POST /samples HTTP/1.1\r\nhost: x\r\n', undefined, roomy)));
    const served = await postSample(roomy.url, 'amid-crowd', Buffer.from('sent amid a crowd'));
    expect(served.status).toBe(201);
    await waitUntil(() => crowd.every((c) => c.closed()), 30_000, () => `${crowd.filter((c) => !c.closed()).length} of 1000 still open`);
    expect(crowd.filter((c) => /^HTTP\/1\.1 408/.test(c.received())).length).toBeGreaterThan(900);
  }, 60_000);
});

describe('epq central list against a hostile server', () => {
  it('shows the server\'s message with its control characters escaped', async () => {
    const server = await ScriptedServer.start((_k, _req, res) => {
      res.writeHead(403, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'declined', message: '\u001b]0;owned\u0007\u001b[2Jgo away\n\u009b31m' }));
    });
    try {
      const r = await runCli(['central', 'list', '--url', server.url]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('HTTP 403: \\x1b]0;owned\\x07\\x1b[2Jgo away\\x0a\\x9b31m');
      expect(r.stderr).not.toMatch(/[\u001b\u0007\u009b]/);
    } finally {
      await server.close();
    }
  });
});
