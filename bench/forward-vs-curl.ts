/**
 * Forwarding throughput of epq's forwarder against curl uploading the same bytes in the same run,
 * and how a backlog drains after a Central Quarantine outage. Run by hand:
 * `npm run bench:forward -- --help`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AgentEvent } from '../agent/events/agent-event.js';
import { Forwarder } from '../agent/forward/forwarder.js';
import { BenchError, intOption, parseCli, runMain, sizeOption, stringOption } from './cli-args.js';
import { fmt, markdownTable } from './compare.js';
import { curlKeepAlive, curlLoop, requireCurl } from './forward-curl.js';
import { freePort } from './free-port.js';
import { makeForwardCorpus, resetOutbox, startCentral, type CentralServer, type ForwardCorpus } from './forward-setup.js';
import { median } from './tools.js';

const USAGE = `
Usage: node dist/bench/forward-vs-curl.js [options]     (or: npm run bench:forward -- [options])

Quarantines --packages seeded random files, then, each against a fresh \`epq central serve\`
process on 127.0.0.1 (same machine, same server code, an fsync per stored sample):
  epq forwarder        the agent's forwarder (in this process), 4 uploads at a time, keep-alive
  epq forwarder x1     the same, one upload at a time
  curl loop            one curl process per package, one after another
  curl --next          one curl process, one package after another on one connection
All send the same bytes with the same headers; every upload must be stored (HTTP 201). The
four run in rotation for --runs rounds (load from elsewhere falls on all alike); medians shown.
Then the outage: the server is down for --outage seconds of simulated time, scaled by
--time-scale (the retry interval of 60 s and the 1 s first backoff are scaled alike), while the
forwarder holds a backlog of every package; the server comes back and the drain is timed.
Exit: 0 = done, 2 = the benchmark failed.`;

const log = (s: string): void => void process.stderr.write(`${s}\n`);
const RETRY_INTERVAL_MS = 60_000;
const FIRST_BACKOFF_MS = 1000;

function newForwarder(corpus: ForwardCorpus, url: string, options: { concurrency: number; retryInterval?: number; baseDelayMs?: number }, events: AgentEvent[] = []): Forwarder {
  return new Forwarder(corpus.store, {
    url, token: null, caFile: null, stripUserData: false, statusInterval: 86_400_000, address: null,
    retryInterval: options.retryInterval ?? RETRY_INTERVAL_MS, baseDelayMs: options.baseDelayMs ?? FIRST_BACKOFF_MS, concurrency: options.concurrency,
  }, (e) => events.push(e));
}

/** Waits for the forwarder to have nothing left (no polling of the database, which would cost it time). */
async function untilDrained(f: Forwarder, what: string, timeoutMs = 600_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new BenchError(`${what}: ${f.backlog()} package(s) still waiting after ${timeoutMs / 1000} s`)), timeoutMs);
  });
  try {
    await Promise.race([f.whenIdle(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Every package must have been acknowledged: a forwarder with nothing to send is idle at once,
 * and would otherwise be timed as impossibly fast.
 * @throws BenchError naming how many were not.
 */
function checkAllSent(corpus: ForwardCorpus, what: string): void {
  const sent = (corpus.store.db.prepare("SELECT count(*) AS n FROM forward_outbox WHERE state IN ('sent', 'done')").get() as { n: number }).n;
  if (sent !== corpus.items.length) throw new BenchError(`${what}: ${sent} of ${corpus.items.length} packages were acknowledged`);
}

/** Forwards every package once to a fresh server; seconds from start to the last acknowledgement. */
async function timeForwarder(corpus: ForwardCorpus, dir: string, concurrency: number): Promise<number> {
  resetOutbox(corpus.store);
  const server = await startCentral(freshDir(dir, `central-epq-${concurrency}`));
  const f = newForwarder(corpus, server.url, { concurrency });
  try {
    const t0 = performance.now();
    f.start();
    await untilDrained(f, 'forwarder');
    const seconds = (performance.now() - t0) / 1000;
    checkAllSent(corpus, `forwarder (${concurrency} at a time)`);
    return seconds;
  } finally {
    await f.stop();
    await server.stop();
  }
}

async function timeCurl(corpus: ForwardCorpus, dir: string, how: 'loop' | 'next'): Promise<number> {
  const server = await startCentral(freshDir(dir, `central-curl-${how}`));
  try {
    return how === 'loop'
      ? await curlLoop(corpus.items, corpus.plainDir, server.url, 'curl-')
      : await curlKeepAlive(corpus.items, corpus.plainDir, server.url, 'curl-', join(dir, 'curl.conf'));
  } finally {
    await server.stop();
  }
}

/** A new, empty data folder per timed run: every run stores every package. */
function freshDir(dir: string, name: string): string {
  const path = join(dir, name);
  rmSync(path, { recursive: true, force: true });
  return path;
}

interface Method {
  readonly name: string;
  readonly time: () => Promise<number>;
  readonly seconds: number[];
}

/**
 * Runs the methods in rotation, `runs` rounds, so that load from elsewhere on the machine falls
 * on all of them alike rather than on whichever ran during a spike; medians are reported.
 */
async function timeInRounds(methods: readonly Method[], runs: number): Promise<{ name: string; seconds: number }[]> {
  for (let round = 1; round <= runs; round++) {
    for (const m of methods) {
      m.seconds.push(await m.time());
      log(`round ${round}/${runs}: ${m.name}: ${fmt.s(m.seconds.at(-1)!)}`);
    }
  }
  return methods.map((m) => ({ name: m.name, seconds: median(m.seconds) }));
}

interface OutageResult {
  readonly outageSec: number;
  readonly failedAttempts: number;
  readonly firstDeliverySec: number;
  readonly drainSec: number;
  readonly alerts: string;
}

/** The server down for `outageMs` (already scaled) with the whole corpus queued, then back. */
async function timeOutage(corpus: ForwardCorpus, dir: string, outageMs: number, scale: number): Promise<OutageResult> {
  resetOutbox(corpus.store);
  const port = await freePort();
  const events: AgentEvent[] = [];
  const f = newForwarder(corpus, `http://127.0.0.1:${port}`, { concurrency: 4, retryInterval: RETRY_INTERVAL_MS * scale, baseDelayMs: FIRST_BACKOFF_MS * scale }, events);
  let server: CentralServer | undefined;
  try {
    f.start();
    await new Promise((r) => setTimeout(r, outageMs));
    const failedAttempts = (corpus.store.db.prepare('SELECT sum(attempts) AS n FROM forward_outbox').get() as { n: number }).n;
    server = await startCentral(join(dir, 'central-outage'), port);
    const firstDeliverySec = await untilFirstDelivery(corpus, server.upAt, 2 * RETRY_INTERVAL_MS * scale + 10_000);
    await untilDrained(f, 'drain after the outage');
    const drainSec = (performance.now() - server.upAt) / 1000;
    checkAllSent(corpus, 'drain after the outage');
    const alerts = events.filter((e) => e.name === 'unable to connect' || e.name === 'connection restored').map((e) => e.name).join(', ');
    return { outageSec: outageMs / 1000, failedAttempts, firstDeliverySec, drainSec, alerts };
  } finally {
    await f.stop();
    await server?.stop();
  }
}

/**
 * Seconds from `upAt` to the first acknowledged package.
 * @throws BenchError when none is within `withinMs` (the first probe after the server came
 *   back must get through within a retry interval or so).
 */
async function untilFirstDelivery(corpus: ForwardCorpus, upAt: number, withinMs: number): Promise<number> {
  const sent = corpus.store.db.prepare("SELECT count(*) AS n FROM forward_outbox WHERE state = 'sent'");
  const deadline = performance.now() + withinMs;
  while ((sent.get() as { n: number }).n === 0) {
    if (performance.now() > deadline) throw new BenchError('nothing was delivered after the server came back');
    await new Promise((r) => setTimeout(r, 1));
  }
  return (performance.now() - upAt) / 1000;
}

/** "2.7x faster" / "1.6x slower": how the first row compares with one that took `ratio` times as long. */
function compare(ratio: number): string {
  return ratio >= 1 ? `${fmt.ratio(ratio)} faster` : `${fmt.ratio(1 / ratio)} slower`;
}

function printThroughput(corpus: ForwardCorpus, rows: readonly { name: string; seconds: number }[]): void {
  const n = corpus.items.length;
  const epq = rows[0]!.seconds;
  process.stdout.write(`\n${markdownTable(
    ['method', 'packages', 'MB', 'time', 'packages/s', 'MB/s', 'epq forwarder is'],
    rows.map((r) => [r.name, String(n), (corpus.bytes / 1e6).toFixed(1), fmt.s(r.seconds), (n / r.seconds).toFixed(0), fmt.mbps(corpus.bytes, r.seconds), r === rows[0] ? '-' : compare(r.seconds / epq)]),
  )}\n`);
}

function printOutage(o: OutageResult, scale: number, packages: number): void {
  const real = (s: number): string => `${s.toFixed(2)} s (= ${(s / scale).toFixed(0)} s unscaled)`;
  process.stdout.write(`\n${markdownTable(
    ['outage', 'retry interval', 'failed attempts during outage', 'first delivery after the server is up', 'backlog drained after the server is up', 'drain rate', 'events'],
    [[real(o.outageSec), real((RETRY_INTERVAL_MS * scale) / 1000), String(o.failedAttempts), real(o.firstDeliverySec), `${o.drainSec.toFixed(2)} s`, `${(packages / (o.drainSec - o.firstDeliverySec)).toFixed(0)} packages/s`, o.alerts]],
  )}\n`);
}

async function main(): Promise<number> {
  const opts = parseCli(process.argv.slice(2), USAGE, [
    { name: 'packages', type: 'string', default: '1000', help: 'packages to forward' },
    { name: 'min-size', type: 'string', default: '1K', help: 'smallest package (decimal units)' },
    { name: 'max-size', type: 'string', default: '64K', help: 'largest package' },
    { name: 'seed', type: 'string', default: '1', help: 'PRNG seed for sizes and contents' },
    { name: 'runs', type: 'string', default: '3', help: 'rounds of every method, in rotation; medians are reported' },
    { name: 'outage', type: 'string', default: '300', help: 'simulated outage, in seconds' },
    { name: 'time-scale', type: 'string', default: '0.02', help: 'factor applied to the outage, retry interval and backoff (0.02: 300 s -> 6 s)' },
    { name: 'dir', type: 'string', help: 'scratch folder (default: a new one under the system temp dir)' },
    { name: 'keep', type: 'boolean', help: 'keep the scratch folder' },
  ]);
  if (!opts) return 0;
  const packages = intOption(opts, 'packages', 1, 1_000_000);
  const [minSize, maxSize] = [sizeOption(opts, 'min-size'), sizeOption(opts, 'max-size')];
  if (minSize > maxSize) throw new BenchError('--min-size is larger than --max-size');
  const scale = Number(stringOption(opts, 'time-scale'));
  if (!(scale > 0 && scale <= 1)) throw new BenchError('--time-scale must be in (0, 1]');
  const outageMs = intOption(opts, 'outage', 1) * 1000 * scale;
  const runs = intOption(opts, 'runs', 1, 100);
  const curl = requireCurl();
  const dir = typeof opts.dir === 'string' ? opts.dir : mkdtempSync(join(tmpdir(), 'epq-bench-forward-'));
  try {
    log(`quarantining ${packages} packages in ${dir} ...`);
    const corpus = await makeForwardCorpus(dir, packages, minSize, maxSize, intOption(opts, 'seed', 0));
    log(`${corpus.items.length} packages, ${(corpus.bytes / 1e6).toFixed(1)} MB; ${curl}; ${cpus().length} CPU(s)`);
    const rows = await timeInRounds([
      { name: 'epq forwarder (4 at a time)', time: () => timeForwarder(corpus, dir, 4), seconds: [] },
      { name: 'epq forwarder (1 at a time)', time: () => timeForwarder(corpus, dir, 1), seconds: [] },
      { name: 'curl loop (a process per package)', time: () => timeCurl(corpus, dir, 'loop'), seconds: [] },
      { name: 'curl --next (one process, one connection)', time: () => timeCurl(corpus, dir, 'next'), seconds: [] },
    ], runs);
    process.stdout.write(`\n${packages} packages, ${(corpus.bytes / 1e6).toFixed(1)} MB, median of ${runs} round(s); load average at the end ${loadavg()[0]!.toFixed(1)} on ${cpus().length} CPU(s)\n`);
    printThroughput(corpus, rows);
    log(`outage: ${outageMs / 1000} s (simulated ${outageMs / 1000 / scale} s) ...`);
    printOutage(await timeOutage(corpus, dir, outageMs, scale), scale, corpus.items.length);
    corpus.store.close();
    return 0;
  } finally {
    if (!opts.keep) rmSync(dir, { recursive: true, force: true });
  }
}

await runMain('forward-vs-curl', main);
