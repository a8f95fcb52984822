/**
 * `epq scan FILE` of one small file with an agent running (through its control socket, no
 * engine load in the CLI) beside `node -e 0` (the floor of any Node CLI) and `clamdscan` of the
 * same file with clamd running the same signatures. Median of --runs (default 20) each, the
 * three alternated so machine load hits them alike. Goal (issue 13): epq <= node -e 0 + 50 ms.
 *   node dist/bench/scan-latency.js [--runs N]
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EPQ_BIN, run } from './tools.js';

const EICAR = ['X5O!P%@AP[4\\PZX54(P^)7CC)7}$', 'EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*'].join('');

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function waitFor(check: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function epq(args: readonly string[]): void {
  const r = spawnSync(process.execPath, [EPQ_BIN, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`epq ${args.join(' ')} failed: ${r.stderr}`);
}

/** clamd on its own socket and a database of `ndb`; null (with a note) when clamd is absent. */
async function startClamd(dir: string, ndb: string): Promise<{ child: ChildProcess; conf: string } | null> {
  if (spawnSync('clamd', ['--version']).status !== 0 || spawnSync('clamdscan', ['--version']).status !== 0) {
    process.stdout.write('clamdscan: skipped (clamd/clamdscan not installed: apt-get install clamav-daemon)\n');
    return null;
  }
  const db = join(dir, 'clamdb');
  mkdirSync(db);
  writeFileSync(join(db, 'main.ndb'), ndb);
  const socket = join(dir, 'clamd.sock');
  const conf = join(dir, 'clamd.conf');
  writeFileSync(conf, `LocalSocket ${socket}\nDatabaseDirectory ${db}\nForeground yes\nLogFile ${join(dir, 'clamd.log')}\nPidFile ${join(dir, 'clamd.pid')}\nUser root\n`);
  const child = spawn('clamd', ['-c', conf], { stdio: 'ignore' });
  await waitFor(() => existsSync(socket), 60_000, 'clamd to open its socket');
  return { child, conf };
}

async function main(): Promise<void> {
  const runsArg = process.argv.indexOf('--runs');
  const runs = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 20;
  const dir = mkdtempSync(join(tmpdir(), 'epq-latency-'));
  let agent: ChildProcess | null = null;
  let clamd: { child: ChildProcess; conf: string } | null = null;
  try {
    const ndb = `Eicar-Test-Signature:0:0:${Buffer.from(EICAR).toString('hex')}\n`;
    mkdirSync(join(dir, 'src'));
    writeFileSync(join(dir, 'src', 'main.ndb'), ndb);
    epq(['defs', 'keygen', '--out', join(dir, 'k')]);
    epq(['defs', 'build', '--sequence', '1', '--from', join(dir, 'src'), '--key', join(dir, 'k.key'), '--out', join(dir, 'set.epqdefs')]);
    const config = join(dir, 'agent.json');
    writeFileSync(config, JSON.stringify({ stateDir: join(dir, 'state'), watch: { paths: [join(dir, 'watched')] }, definitions: { trustedKeys: [join(dir, 'k.pub')] }, log: { file: null } }));
    epq(['defs', 'install', join(dir, 'set.epqdefs'), '--config', config]);
    agent = spawn(process.execPath, [EPQ_BIN, 'agent', '--config', config], { stdio: 'ignore' });
    await waitFor(() => existsSync(join(dir, 'state', 'control.sock')), 60_000, 'the agent to open its socket');
    clamd = await startClamd(dir, ndb);
    const file = join(dir, 'small.txt');
    writeFileSync(file, 'a small clean file\n');
    const times: Record<string, number[]> = { 'node -e 0': [], 'epq scan (agent)': [], ...(clamd && { clamdscan: [] }) };
    for (let i = 0; i < runs; i++) {
      times['node -e 0']!.push((await run(process.execPath, ['-e', '0'])).seconds);
      const e = await run(process.execPath, [EPQ_BIN, 'scan', file, '--config', config]);
      if (e.code !== 0 || !e.stdout.includes('as the running agent uses them')) throw new Error(`epq scan did not go through the agent: ${e.stdout}${e.stderr}`);
      times['epq scan (agent)']!.push(e.seconds);
      if (clamd) {
        const c = await run('clamdscan', ['--config-file', clamd.conf, '--no-summary', file]);
        if (c.code !== 0) throw new Error(`clamdscan failed: ${c.stdout}${c.stderr}`);
        times['clamdscan']!.push(c.seconds);
      }
    }
    const floor = median(times['node -e 0']!);
    for (const [name, xs] of Object.entries(times)) {
      const m = median(xs);
      process.stdout.write(`${name.padEnd(18)} median ${(m * 1000).toFixed(0).padStart(5)} ms  (${(m / floor).toFixed(2)}x node -e 0, +${((m - floor) * 1000).toFixed(0)} ms)\n`);
    }
    const over = (median(times['epq scan (agent)']!) - floor) * 1000;
    process.stdout.write(`goal epq <= node -e 0 + 50 ms: ${over <= 50 ? 'met' : 'NOT met'} (+${over.toFixed(0)} ms), ${runs} runs each\n`);
  } finally {
    agent?.kill('SIGTERM');
    clamd?.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
