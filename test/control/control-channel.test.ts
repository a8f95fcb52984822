import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { lstat, mkdir, readFile, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { AgentProcess, waitUntil } from '../helpers/agent-process.js';
import { writeZip } from '../helpers/archive-writers.js';
import { eicarBytes } from '../helpers/eicar.js';
import { REPO_ROOT, runCli } from '../helpers/run-cli.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const MARKER = ['harmless', 'control', 'marker'].join('-');

interface Item {
  id: string;
  originalPath: string;
  phase: string;
}

/** Sends raw bytes to the control socket and returns the first answer line. */
function rawRequest(socketPath: string, bytes: string | Buffer): Promise<{ ok: boolean; error?: { code: string; message: string }; result?: unknown }> {
  return new Promise((resolve, reject) => {
    const socket = connect(socketPath);
    let text = '';
    socket.on('data', (d: Buffer) => {
      text += d.toString();
      const nl = text.indexOf('\n');
      if (nl >= 0) {
        socket.destroy();
        resolve(JSON.parse(text.slice(0, nl)));
      }
    });
    socket.on('error', reject);
    socket.write(bytes);
  });
}

/**
 * Issue 13 with real agents and the CLI spawned as a user runs it: the CLI reaches the agent
 * through its control socket, so scans use the set the agent runs, status tells what it runs and
 * a verdict, a restore is not undone, and two restores of one item don't both succeed.
 */
describe('the control socket between the CLI and a running agent', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let agent: AgentProcess;
  let ctx: string[];
  let stateDir: string;
  let protectedDir: string;

  const list = async (): Promise<Item[]> => JSON.parse((await runCli(['quarantine', 'list', '--all', '--json', ...ctx])).stdout) as Item[];

  beforeAll(async () => {
    ({ dir, cleanup } = await makeTempDir('epq-control-'));
    const root = join(dir, 'root');
    protectedDir = join(root, 'p');
    stateDir = join(dir, 'state');
    await mkdir(protectedDir, { recursive: true });
    expect((await runCli(['defs', 'keygen', '--out', join(dir, 'k')])).code).toBe(0);
    const src = join(dir, 'src');
    await mkdir(src);
    await writeFile(join(src, 'main.ndb'), `Eicar-Test-Signature:0:0:${eicarBytes().toString('hex')}\nTest.Marker:0:*:${Buffer.from(MARKER).toString('hex')}\n`);
    const pkg = join(dir, 'defs-1.epqdefs');
    expect((await runCli(['defs', 'build', '--sequence', '1', '--from', src, '--key', join(dir, 'k.key'), '--out', pkg])).code).toBe(0);
    const configFile = join(dir, 'agent.json');
    await writeFile(configFile, JSON.stringify({ stateDir, root, watch: { paths: [protectedDir], stableMs: '100ms' }, definitions: { trustedKeys: [join(dir, 'k.pub')] }, log: { file: null } }));
    ctx = ['--config', configFile];
    expect((await runCli(['defs', 'install', pkg, ...ctx])).code).toBe(0);
    agent = new AgentProcess(ctx);
    await agent.waitFor('agent started', 30_000);
  }, 90_000);

  afterAll(async () => {
    if (agent.child.exitCode === null) await agent.stop();
    await cleanup();
  });

  it('listens on a socket only root and the owner may open', async () => {
    const info = await lstat(join(stateDir, 'control.sock'));
    expect(info.isSocket()).toBe(true);
    expect(info.mode & 0o777).toBe(0o600);
  });

  it('scans with the set the agent runs, and says so', async () => {
    const file = join(dir, 'sample.txt');
    await writeFile(file, `a ${MARKER} b\n`);
    const r = await runCli(['scan', file, ...ctx]);
    expect(r.stdout).toContain('Test.Marker FOUND');
    expect(r.stdout).toMatch(/definitions sequence 1 .*as the running agent uses them/);
    expect(r.code).toBe(1);
  });

  it('prints an agent scan as clamscan does: one line per file, --allmatch, --verbose, --no-summary, --log, --file-list', async () => {
    const file = join(dir, 'two-matches.txt');
    await writeFile(file, Buffer.concat([eicarBytes(), Buffer.from(` ${MARKER}\n`)]));
    const plain = await runCli(['scan', file, ...ctx]);
    expect(plain.stdout.split('\n').filter((l) => l.endsWith(' FOUND'))).toEqual([`${file}: Eicar-Test-Signature FOUND`]);
    expect(plain.stdout).toContain('as the running agent uses them');
    const all = await runCli(['scan', '--allmatch', '--verbose', '--no-summary', file, ...ctx]);
    const found = all.stdout.split('\n').filter((l) => l.includes(' FOUND'));
    expect(found).toHaveLength(2);
    expect(found.join('\n')).toMatch(/Test\.Marker FOUND \(offset \d+\)/);
    expect(all.stdout).not.toContain('SCAN SUMMARY');
    const list = join(dir, 'list.txt');
    const log = join(dir, 'scan.log');
    await writeFile(list, `${file}\n`);
    const listed = await runCli(['scan', '-f', list, '--log', log, ...ctx]);
    expect(listed.code).toBe(1);
    expect(listed.stdout).toContain('as the running agent uses them');
    const logged = await readFile(log, 'utf8');
    expect(logged).toContain(`${file}: Eicar-Test-Signature FOUND`);
    expect(logged).toContain('SCAN SUMMARY');
  });

  it('scans standard input here, not through the agent', async () => {
    const r = await runCli(['scan', '-', ...ctx], { input: `a ${MARKER} b\n` });
    expect(r.stdout).toContain('stdin: Test.Marker FOUND');
    expect(r.stdout).not.toContain('as the running agent uses them');
    expect(r.code).toBe(1);
  });

  it('scans through the agent into archives: members and what was not looked into come back, and the archive flags hold', async () => {
    const file = join(dir, 'bundle.zip');
    await writeFile(file, writeZip([{ name: 'in/m.txt', data: Buffer.from(`a ${MARKER} b\n`), method: 'deflate' }, { name: 'locked.bin', data: Buffer.from('x'), encrypted: true }]));
    const text = await runCli(['scan', file, ...ctx]);
    expect(text.stdout).toContain(`${file}: Test.Marker FOUND (in in/m.txt`);
    expect(text.stdout).toContain(`${file}: Heuristics.Encrypted.Zip NOT SCANNED (locked.bin)`);
    expect(text.stdout).toMatch(/as the running agent uses them/);
    expect(text.stdout).toMatch(/Not looked into: +1/);
    const json = JSON.parse((await runCli(['scan', '--json', file, ...ctx])).stdout) as { detections: { member?: string }[]; notLookedInto: { member: string; signature: string }[]; summary: { incomplete: number } };
    expect(json.detections.map((d) => d.member)).toEqual(['in/m.txt']);
    expect(json.notLookedInto.map((n) => [n.member, n.signature])).toEqual([['locked.bin', 'Heuristics.Encrypted.Zip']]);
    expect(json.summary.incomplete).toBe(1);
    const off = await runCli(['scan', '--no-scan-archive', file, ...ctx]);
    expect(off.stdout).not.toContain('FOUND');
    expect(off.stdout).toMatch(/as the running agent uses them/);
    expect(off.code).toBe(0);
  });

  it('--defs accepts the store\'s own set file', async () => {
    const file = join(dir, 'sample2.txt');
    await writeFile(file, `a ${MARKER} b\n`);
    const setFile = join(stateDir, 'definitions', 'defs-1.epqset');
    expect(existsSync(setFile)).toBe(true);
    const r = await runCli(['scan', '--defs', setFile, '--pub', join(dir, 'k.pub'), file, ...ctx]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('Test.Marker FOUND');
    expect(r.code).toBe(1);
  });

  it('status tells what the agent runs and a verdict', async () => {
    const r = await runCli(['status', '--json', ...ctx]);
    const s = JSON.parse(r.stdout) as { running: boolean; definitions: { sequence: number; certified: boolean }; health: string; reasons: string[] };
    expect(s).toMatchObject({ running: true, definitions: { sequence: 1, certified: false }, health: 'healthy', reasons: [] });
    expect(r.code).toBe(0);
  });

  it('refuses an unknown protocol version, malformed and oversized requests', async () => {
    const path = join(stateDir, 'control.sock');
    expect(await rawRequest(path, '{"v":99,"op":"status"}\n')).toMatchObject({ ok: false, error: { code: 'version' } });
    expect(await rawRequest(path, 'not json\n')).toMatchObject({ ok: false, error: { code: 'malformed' } });
    expect(await rawRequest(path, '{"v":1,"op":"formatDisk"}\n')).toMatchObject({ ok: false, error: { code: 'unknown-op' } });
    expect(await rawRequest(path, '{"v":1,"op":"restore","args":{"ids":"x"}}\n')).toMatchObject({ ok: false, error: { code: 'bad-args' } });
    expect(await rawRequest(path, Buffer.alloc(2 * 1024 * 1024, 'a'))).toMatchObject({ ok: false, error: { code: 'too-large' } });
    expect(await rawRequest(path, '{"v":1,"op":"ping"}\n')).toMatchObject({ ok: true });
    // The agent publishes the configuration it runs with (flags included).
    expect(await rawRequest(path, '{"v":1,"op":"config"}\n')).toMatchObject({ ok: true, result: { stateDir, log: { file: null } } });
  });

  it('two CLIs restoring one item: one wins, the other is told; the file is not quarantined again', async () => {
    await writeFile(join(protectedDir, 'x.com'), eicarBytes());
    await waitUntil(async () => (await list()).some((i) => i.originalPath === '/p/x.com' && i.phase === 'complete'), 20_000, () => agent.output);
    const id = (await list()).find((i) => i.originalPath === '/p/x.com')!.id;
    const [a, b] = await Promise.all([runCli(['quarantine', 'restore', id, '-y', ...ctx]), runCli(['quarantine', 'restore', id, '-y', ...ctx])]);
    expect([a.code, b.code].sort()).toEqual([0, 2]);
    const loser = a.code === 2 ? a : b;
    expect(loser.stderr).toContain(`${id}: `);
    const winner = a.code === 0 ? a : b;
    expect(winner.stderr).toContain('still detected by Eicar-Test-Signature');
    expect(winner.stderr).toContain('exception added for SHA-256');
    // The agent sees the restored file and leaves it alone: an exception covers it now.
    await new Promise((r) => setTimeout(r, 1500));
    expect(existsSync(join(protectedDir, 'x.com'))).toBe(true);
    expect((await list()).filter((i) => i.originalPath === '/p/x.com' && i.phase === 'complete')).toEqual([]);
  }, 60_000);

  it('status as another user says permission denied and exits 2', async () => {
    const probe = spawnSync(process.execPath, [join(REPO_ROOT, 'bin/epq.js'), '--version'], { uid: 65534, gid: 65534, encoding: 'utf8' });
    if (probe.status !== 0) {
      process.stdout.write(`skipped: uid 65534 cannot run the checkout (${(probe.stderr || String(probe.error)).split('\n')[0]})\n`);
      return;
    }
    const r = spawnSync(process.execPath, [join(REPO_ROOT, 'bin/epq.js'), 'status', '--state-dir', stateDir], { uid: 65534, gid: 65534, encoding: 'utf8' });
    expect(r.stdout).toContain(`permission denied on the state folder ${stateDir}`);
    expect(r.status).toBe(2);
  });

  it('a dead agent leaves a stale socket: the CLI works without it, the next agent replaces it', async () => {
    await agent.stop('SIGKILL');
    expect(existsSync(join(stateDir, 'control.sock'))).toBe(true);
    const status = await runCli(['status', '--json', ...ctx]);
    expect(status.code).toBe(1);
    expect(JSON.parse(status.stdout)).toMatchObject({ running: false, reasons: expect.arrayContaining(['agent not running']) });
    expect((await runCli(['quarantine', 'list', ...ctx])).code).toBe(0);
    agent = new AgentProcess(ctx);
    await agent.waitFor('agent started', 30_000);
    expect((await runCli(['status', ...ctx])).stdout).toContain('running (pid');
  }, 60_000);
});
