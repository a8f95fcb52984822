/**
 * On-access latency and burst handling of the resident agent, measured on a real `epq agent`
 * process: (1) single detections written one at a time, latency from the file's close to its
 * quarantine record, p50/p95/p99; (2) a burst of files written at once, some of them
 * detections: time until all are handled, how many were missed, beside `epq scan` of the same
 * files in the same run (the reference: what the same machine does on demand).
 * Run by hand: `npm run bench:agent -- --help`.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { intOption, parseCli, runMain } from './cli-args.js';
import { markdownTable } from './compare.js';
import { EPQ_BIN, REPO_ROOT, run } from './tools.js';

const USAGE = `
Usage: node dist/bench/agent-on-access.js [--singles N] [--burst N] [--burst-detections N] [--gap-ms N]
Starts a real epq agent on a temp folder and measures on-access latency and a burst.`;

const log = (s: string): void => void process.stderr.write(`${s}\n`);
const eicar = (): Buffer => Buffer.from(['X5O!P%@AP[4\\PZX54(P^)7CC)7}$', 'EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*'].join(''), 'latin1');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Item {
  originalPath: string;
  quarantinedAt: string;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function listItems(config: string): Promise<Item[]> {
  const r = await run(process.execPath, [EPQ_BIN, 'quarantine', 'list', '--json', '--config', config]);
  return JSON.parse(r.stdout) as Item[];
}

async function waitForCount(config: string, prefix: string, want: number, timeoutMs: number): Promise<Item[]> {
  const deadline = Date.now() + timeoutMs;
  let items: Item[] = [];
  while (Date.now() < deadline) {
    items = (await listItems(config)).filter((i) => i.originalPath.startsWith(prefix));
    if (items.length >= want) return items;
    await sleep(250);
  }
  return items;
}

async function main(): Promise<number> {
  const opts = parseCli(process.argv.slice(2), USAGE, [
    { name: 'singles', type: 'string', default: '1000', help: 'single detections, written one at a time' },
    { name: 'burst', type: 'string', default: '10000', help: 'files written at once' },
    { name: 'burst-detections', type: 'string', default: '100', help: 'how many of the burst files are detections' },
    { name: 'gap-ms', type: 'string', default: '150', help: 'pause between two single detections (single files, not a burst)' },
  ]);
  if (!opts) return 0;
  const singles = intOption(opts, 'singles', 1, 100_000);
  const burst = intOption(opts, 'burst', 1, 1_000_000);
  const burstDetections = intOption(opts, 'burst-detections', 0, burst);
  const gapMs = intOption(opts, 'gap-ms', 1, 10_000);
  const dir = mkdtempSync(join(tmpdir(), 'epq-bench-agent-'));
  const watched = join(dir, 'protected');
  mkdirSync(join(watched, 'singles'), { recursive: true });
  mkdirSync(join(watched, 'burst'), { recursive: true });
  const config = join(dir, 'agent.json');
  writeFileSync(config, JSON.stringify({ stateDir: join(dir, 'state'), watch: { paths: [watched], queueLimit: 20_000 }, quarantine: { maxSize: '10G' } }));
  const agent = spawn(process.execPath, [EPQ_BIN, 'agent', '--config', config], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  agent.stdout.on('data', (d: Buffer) => (out += d.toString()));
  try {
    while (!out.includes('agent started')) await sleep(50);
    log(`agent up; ${singles} single detections, one every ${gapMs} ms ...`);
    const closed = new Map<string, number>();
    for (let i = 0; i < singles; i++) {
      const path = join(watched, 'singles', `s${i}.com`);
      writeFileSync(path, eicar());
      closed.set(path, Date.now());
      await sleep(gapMs);
    }
    const items = await waitForCount(config, join(watched, 'singles'), singles, 120_000);
    const latencies = items.map((i) => Date.parse(i.quarantinedAt) - closed.get(i.originalPath)!).sort((a, b) => a - b);
    log(`burst: ${burst} files, ${burstDetections} detections ...`);
    const t0 = Date.now();
    for (let i = 0; i < burst; i++) writeFileSync(join(watched, 'burst', `b${i}.${i < burstDetections ? 'com' : 'txt'}`), i < burstDetections ? eicar() : `clean file ${i}\n`);
    const written = Date.now();
    const burstItems = await waitForCount(config, join(watched, 'burst'), burstDetections, 300_000);
    const handled = Math.max(...burstItems.map((i) => Date.parse(i.quarantinedAt))) - t0;
    const missed = burstDetections - burstItems.length;
    // The reference: an on-demand scan of the same (clean) files by the same machine.
    const ref = await run(process.execPath, [EPQ_BIN, 'scan', '--json', join(watched, 'burst')]);
    const refSeconds = (JSON.parse(ref.stdout) as { summary: { seconds: number } }).summary.seconds;
    const table = markdownTable(['', 'figure', 'goal / reference'], [
      ['single detections', String(latencies.length), `${singles} written`],
      ['latency p50', `${percentile(latencies, 50)} ms`, ''],
      ['latency p95', `${percentile(latencies, 95)} ms`, '< 300 ms'],
      ['latency p99', `${percentile(latencies, 99)} ms`, ''],
      ['burst: files written', `${burst} in ${((written - t0) / 1000).toFixed(2)} s`, ''],
      ['burst: all detections quarantined after', `${(handled / 1000).toFixed(2)} s`, `epq scan of the same files: ${refSeconds.toFixed(2)} s (${(handled / 1000 / refSeconds).toFixed(1)}x)`],
      ['burst: detections missed', `${missed} of ${burstDetections}`, '0'],
    ]);
    process.stdout.write(`\n# epq agent on access (watch.stableMs default)\n\n${table}\n`);
    return missed === 0 ? 0 : 1;
  } finally {
    agent.kill('SIGTERM');
    await new Promise((r) => agent.on('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
}

await runMain('agent-on-access', main);
