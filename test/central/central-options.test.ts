import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseListen } from '../../agent/cli/central-command.js';
import { runCli } from '../helpers/run-cli.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { CentralProcess } from './central-process.js';
import { postSample, rawRequest } from './http-client.js';

const hex = (s: string): string => Buffer.from(s).toString('hex');

/** `epq central serve` options: token, maximum size, its own definitions, TLS; and `epq central list`. */
describe('epq central serve options and epq central list', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  const running: CentralProcess[] = [];
  const start = async (name: string, args: string[]): Promise<CentralProcess> => {
    const p = await CentralProcess.start(join(dir, name), args);
    running.push(p);
    return p;
  };

  beforeAll(async () => {
    ({ dir, cleanup } = await makeTempDir('epq-central-opts-'));
  });
  afterAll(async () => {
    await Promise.all(running.map((p) => p.stop()));
    await cleanup();
  });

  it('requires the bearer token on every request when --token is given', async () => {
    const c = await start('token', ['--token', 's3cret']);
    expect(c.output).toMatch(/bearer token required/);
    const body = Buffer.from('sample');
    const none = await postSample(c.url, 't1', body);
    expect([none.status, none.json.error]).toEqual([401, 'declined']);
    expect(none.headers['www-authenticate']).toMatch(/Bearer/);
    expect((await postSample(c.url, 't1', body, { authorization: 'Bearer wrong' })).status).toBe(401);
    expect((await rawRequest(`${c.url}/samples`, 'GET', {})).status).toBe(401);
    expect((await postSample(c.url, 't1', body, { authorization: 'Bearer s3cret' })).status).toBe(201);
    const denied = await runCli(['central', 'list', '--url', c.url]);
    expect(denied.code).toBe(2);
    expect(denied.stderr).toMatch(/HTTP 401: a valid bearer token is required/);
    const listed = await runCli(['central', 'list', '--url', c.url, '--token', 's3cret']);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/^ID\s+File name\s+User\s+Computer\s+Analyzed\s+Age\s+State\s+Status\s+Virus\s+Defs needed\s+Errors/);
    expect(listed.stdout).toMatch(/t1\s+report été\.exe\s+alice\s+ws-17\s+yes\s+\S+( \S+)?\s+uninfected\s+Attention/);
  });

  it('declines samples when full (507, Retry-After) and those that can never fit (413)', async () => {
    const c = await start('quota', ['--max-size', '1K']);
    expect((await postSample(c.url, 'q1', Buffer.alloc(600, 1))).status).toBe(201);
    const full = await postSample(c.url, 'q2', Buffer.alloc(600, 2));
    expect([full.status, full.json.error]).toEqual([507, 'declined']);
    expect(Number(full.headers['retry-after'])).toBeGreaterThan(0);
    const huge = await postSample(c.url, 'q3', Buffer.alloc(2000, 3));
    expect([huge.status, huge.json.error]).toEqual([413, 'declined']);
    expect((await postSample(c.url, 'q4', Buffer.alloc(400, 4))).status).toBe(201);
  });

  it('scans with a ClamAV folder of its own: detects what it knows, flags for attention what it does not', async () => {
    const db = join(dir, 'clamav');
    await mkdir(db);
    await writeFile(join(db, 'own.ndb'), `Central.Only.Marker:0:*:${hex('central-only-marker')}\n`);
    const c = await start('clamav', ['--clamav-db', db]);
    expect(c.output).toMatch(/definitions: ClamAV database/);
    const hit = await postSample(c.url, 'c1', Buffer.from('xx central-only-marker yy'), { 'x-scan-virus-name': 'Endpoint.Name' });
    expect(hit.json).toMatchObject({ state: 'infected', status: 'Unneeded', virus: 'Central.Only.Marker', endpointVirus: 'Endpoint.Name' });
    const miss = await postSample(c.url, 'c2', Buffer.from('nothing known here'));
    expect(miss.json).toMatchObject({ state: 'uninfected', status: 'Attention', scanSequence: null });
  });

  it('tells a misfire when its signed definitions are newer than the endpoint\'s', async () => {
    expect((await runCli(['defs', 'keygen', '--out', join(dir, 'pub')])).code).toBe(0);
    const src = join(dir, 'src');
    await mkdir(src);
    await writeFile(join(src, 'main.ndb'), `Some.Other.Threat:0:*:${hex('other-threat')}\n`);
    const pkg = join(dir, 'defs-5.epqdefs');
    expect((await runCli(['defs', 'build', '--sequence', '5', '--from', src, '--key', join(dir, 'pub.key'), '--out', pkg])).code).toBe(0);
    const c = await start('signed', ['--defs', pkg, '--pub', join(dir, 'pub.pub')]);
    const fp = await postSample(c.url, 'f1', Buffer.from('a harmless file the endpoint flagged'), { 'x-scan-signatures-sequence': '3' });
    expect(fp.json).toMatchObject({ state: 'misfired', status: 'Needed', definitionsNeeded: 5, scanSequence: 5 });
  });

  it('serves https with --tls-cert/--tls-key; list trusts it only with --ca-file', async () => {
    const cert = join(dir, 'cert.pem');
    const key = join(dir, 'key.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    const c = await start('tls', ['--tls-cert', cert, '--tls-key', key]);
    expect(c.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const untrusted = await runCli(['central', 'list', '--url', c.url]);
    expect(untrusted.code).toBe(2);
    expect(untrusted.stderr).toMatch(/SELF_SIGNED|certificate/i);
    const trusted = await runCli(['central', 'list', '--url', c.url, '--ca-file', cert, '--json']);
    expect(trusted.code).toBe(0);
    expect(JSON.parse(trusted.stdout)).toEqual([]);
  });

  it('reads every --listen form, and defaults a bare port to 127.0.0.1', () => {
    expect(parseListen('8443')).toEqual({ host: '127.0.0.1', port: 8443 });
    expect(parseListen('10.0.0.2:0')).toEqual({ host: '10.0.0.2', port: 0 });
    expect(parseListen('[::1]:9')).toEqual({ host: '::1', port: 9 });
    expect(parseListen(':7000')).toEqual({ host: '0.0.0.0', port: 7000 });
    expect(() => parseListen('70000')).toThrow(/expected HOST:PORT/);
  });

  it('explains bad usage clearly', async () => {
    const noData = await runCli(['central', 'serve']);
    expect(noData.code).toBe(2);
    expect(noData.stderr).toMatch(/--data DIR is required/);
    const badListen = await runCli(['central', 'serve', '--data', join(dir, 'x'), '--listen', 'nowhere:port']);
    expect(badListen.stderr).toMatch(/--listen "nowhere:port": expected HOST:PORT/);
    const busy = running[0]!;
    const taken = await runCli(['central', 'serve', '--data', join(dir, 'y'), '--listen', `127.0.0.1:${busy.port}`]);
    expect(taken.code).toBe(2);
    expect(taken.stderr).toMatch(/can't listen on 127\.0\.0\.1:\d+: .*EADDRINUSE/);
    const down = await runCli(['central', 'list', '--url', 'http://127.0.0.1:1']);
    expect(down.stderr).toMatch(/unable to connect \(ECONNREFUSED\)/);
  });
});
