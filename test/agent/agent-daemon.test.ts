import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { formatLocalTime } from '../../agent/text/format-time.js';
import { AgentProcess, waitUntil } from '../helpers/agent-process.js';
import { writeZip } from '../helpers/archive-writers.js';
import { eicarBytes } from '../helpers/eicar.js';
import { runCli } from '../helpers/run-cli.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const hex = (s: string): string => Buffer.from(s).toString('hex');
const FP_MARKER = ['harmless', 'report', 'template', 'v2'].join('-');

interface Item {
  id: string;
  originalPath: string;
  phase: string;
  state: string;
  virusName: string;
  definitionsSequence: number;
}

/**
 * The resident agent as a user runs it: a real process, a folder as LiveUpdate source, files
 * dropped into the protected folder. Covers the product's core promise: a false positive
 * quarantined by set N comes back, silently, when set N+1 no longer detects it.
 */
describe('epq agent (real process, folder LiveUpdate source)', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let root: string;
  let protectedDir: string;
  let source: string;
  let ctx: string[];
  let agent: AgentProcess;
  let configFile: string;

  const list = async (): Promise<Item[]> => JSON.parse((await runCli(['quarantine', 'list', '--all', '--json', '--config', configFile])).stdout) as Item[];
  const status = async (): Promise<{ definitions: { sequence: number; created: string | null; switchedAt: string | null }; quarantine: { items: number } }> => JSON.parse((await runCli(['status', '--json', '--config', configFile])).stdout);

  async function publish(sequence: number, signatures: string, dropMarker = false): Promise<string> {
    const src = join(dir, `src-${sequence}`);
    await mkdir(src);
    await writeFile(join(src, 'main.ndb'), signatures);
    void dropMarker;
    const out = join(dir, `defs-${sequence}.epqdefs`);
    const r = await runCli(['defs', 'build', '--sequence', String(sequence), '--from', src, '--key', join(dir, 'pub.key'), '--out', out, '--certified']);
    expect(r.stderr).toBe('');
    return out;
  }

  beforeAll(async () => {
    ({ dir, cleanup } = await makeTempDir('epq-agent-'));
    root = join(dir, 'root');
    protectedDir = join(root, 'home/u/protected');
    source = join(dir, 'liveupdate');
    await mkdir(protectedDir, { recursive: true });
    await mkdir(source);
    expect((await runCli(['defs', 'keygen', '--out', join(dir, 'pub')])).code).toBe(0);
    const eicarSig = `Eicar-Test-Signature:0:0:${eicarBytes().toString('hex')}\n`;
    await copyFile(await publish(1, `${eicarSig}Test.FalsePositive:0:*:${hex(FP_MARKER)}\n`), join(source, 'defs-1.epqdefs'));
    await publish(2, eicarSig);
    configFile = join(dir, 'agent.json');
    await writeFile(configFile, JSON.stringify({
      stateDir: join(dir, 'state'),
      root,
      watch: { paths: [protectedDir], stableMs: '100ms' },
      definitions: { trustedKeys: [join(dir, 'pub.pub')], source, pollInterval: '1s' },
      log: { file: join(dir, 'state', 'epq.log') },
    }));
    ctx = ['--config', configFile];
    agent = new AgentProcess(ctx);
    await agent.waitFor('agent started');
    await waitUntil(async () => (await status()).definitions.sequence === 1, 20_000, () => `sequence 1 never became active:\n${agent.output}`);
  }, 60_000);

  afterAll(async () => {
    if (agent.child.exitCode === null) await agent.stop();
    await cleanup();
  });

  it('quarantines EICAR dropped into the protected folder', async () => {
    await writeFile(join(protectedDir, 'dropped.com'), eicarBytes());
    await waitUntil(async () => (await list()).some((i) => i.originalPath === '/home/u/protected/dropped.com'), 15_000, () => agent.output);
    expect(existsSync(join(protectedDir, 'dropped.com'))).toBe(false);
  });

  it('quarantines a whole zip whose member is EICAR, dropped into the protected folder', async () => {
    // Anchored at offset 0: only the member matches, never the zip's own bytes.
    await writeFile(join(protectedDir, 'carrier.zip'), writeZip([{ name: 'docs/e.com', data: eicarBytes() }]));
    await waitUntil(async () => (await list()).some((i) => i.originalPath === '/home/u/protected/carrier.zip'), 15_000, () => agent.output);
    expect(existsSync(join(protectedDir, 'carrier.zip'))).toBe(false);
  });

  it('silently restores a false positive when the next set no longer detects it', async () => {
    const cron = 'MAILTO=""\n30 6 * * * u /usr/bin/mail-report /home/u/protected/report.txt\n';
    await mkdir(join(root, 'etc'), { recursive: true });
    await writeFile(join(root, 'etc/crontab'), cron);
    await writeFile(join(protectedDir, 'report.txt'), `quarterly ${FP_MARKER} figures\n`);
    await waitUntil(async () => (await list()).some((i) => i.originalPath === '/home/u/protected/report.txt' && i.phase === 'complete'), 15_000, () => agent.output);
    expect(existsSync(join(protectedDir, 'report.txt'))).toBe(false);
    expect(await readFile(join(root, 'etc/crontab'), 'utf8')).toBe('MAILTO=""\n');
    await copyFile(join(dir, 'defs-2.epqdefs'), join(source, 'defs-2.epqdefs'));
    await waitUntil(() => existsSync(join(protectedDir, 'report.txt')), 20_000, () => `not restored:\n${agent.output}`);
    expect(await readFile(join(protectedDir, 'report.txt'), 'utf8')).toBe(`quarterly ${FP_MARKER} figures\n`);
    await waitUntil(async () => (await readFile(join(root, 'etc/crontab'), 'utf8')) === cron, 5_000, () => 'crontab line not restored');
    const items = await list();
    expect(items.find((i) => i.originalPath === '/home/u/protected/report.txt')).toMatchObject({ phase: 'restored', state: 'misfired' });
    expect(items.find((i) => i.originalPath === '/home/u/protected/dropped.com')).toMatchObject({ phase: 'complete', definitionsSequence: 2 });
    // Detected only inside: the rescan looks into the archive too, so it is not restored as a misfire.
    expect(items.find((i) => i.originalPath === '/home/u/protected/carrier.zip')).toMatchObject({ phase: 'complete', definitionsSequence: 2 });
    expect(existsSync(join(protectedDir, 'carrier.zip'))).toBe(false);
    const log = await readFile(join(dir, 'state', 'epq.log'), 'utf8');
    expect(log).toMatch(/"name":"restored".*report\.txt/);
    const shown = (JSON.parse((await runCli(['defs', 'show', join(dir, 'defs-2.epqdefs'), '--json'])).stdout) as { manifest: { created: string } }).manifest;
    const now = await status();
    expect(now.definitions).toMatchObject({ sequence: 2, created: shown.created });
    expect(Date.parse(now.definitions.switchedAt ?? '')).toBeGreaterThan(Date.parse(shown.created));
    const human = await runCli(['status', ...ctx]);
    // People read local time with its zone; --json keeps ISO 8601.
    expect(human.stdout).toContain(`definitions sequence 2, created ${formatLocalTime(shown.created)}, active since`);
  });

  it('refuses a tampered package and a lower sequence; the running set keeps working', async () => {
    const good = await publish(3, `Eicar-Test-Signature:0:0:${eicarBytes().toString('hex')}\n`);
    const bytes = await readFile(good);
    bytes[bytes.length - 3]! ^= 0x01;
    await writeFile(join(dir, 'tampered.epqdefs'), bytes);
    const tampered = await runCli(['defs', 'install', join(dir, 'tampered.epqdefs'), ...ctx]);
    expect(tampered.code).toBe(2);
    expect(tampered.stdout + tampered.stderr).toMatch(/sha256|does not match|tamper/i);
    const lower = await runCli(['defs', 'install', join(dir, 'defs-1.epqdefs'), ...ctx]);
    expect(lower.code).toBe(2);
    expect(lower.stdout + lower.stderr).toMatch(/not newer/);
    expect((await status()).definitions.sequence).toBe(2);
    await writeFile(join(protectedDir, 'again.com'), eicarBytes());
    await waitUntil(async () => (await list()).some((i) => i.originalPath === '/home/u/protected/again.com'), 15_000, () => agent.output);
  });

  it('rolls back to the previous set, and the agent follows', async () => {
    const r = await runCli(['defs', 'rollback', ...ctx]);
    expect(r.code).toBe(0);
    await waitUntil(async () => (await status()).definitions.sequence === 1, 10_000, () => agent.output);
    await waitUntil(() => agent.output.includes('quarantine rescanned with sequence 1'), 10_000, () => agent.output);
  });

  it('SIGTERM in the middle of a burst loses nothing; the rest is scanned after a restart', async () => {
    const names = Array.from({ length: 300 }, (_, i) => `burst-${i}.${i % 10 === 0 ? 'com' : 'txt'}`);
    await Promise.all(names.map((n, i) => writeFile(join(protectedDir, n), i % 10 === 0 ? eicarBytes() : `clean ${i}\n`)));
    await new Promise((r) => setTimeout(r, 150));
    expect(await agent.stop()).toBe(0);
    const held = new Set((await list()).filter((i) => i.phase === 'complete').map((i) => i.originalPath));
    for (const n of names) {
      const inPlace = existsSync(join(protectedDir, n));
      const quarantined = held.has(`/home/u/protected/${n}`);
      expect(inPlace || quarantined).toBe(true);
      expect(inPlace && quarantined).toBe(false);
    }
    agent = new AgentProcess(ctx);
    await agent.waitFor('agent started');
    const infected = names.filter((_, i) => i % 10 === 0).map((n) => `/home/u/protected/${n}`);
    await waitUntil(async () => {
      const now = new Set((await list()).filter((i) => i.phase === 'complete').map((i) => i.originalPath));
      return infected.every((p) => now.has(p));
    }, 30_000, () => `not every infected burst file was quarantined after restart:\n${agent.output}`);
    expect(names.filter((_, i) => i % 10 !== 0).every((n) => existsSync(join(protectedDir, n)))).toBe(true);
  }, 60_000);

  it('refuses a second agent on the same state folder', async () => {
    const second = new AgentProcess(ctx);
    expect(await second.exited()).toBe(2);
    expect(second.output).toMatch(/already running|pid/);
  });
});
