/**
 * Throughput of epq's quarantine (move in, then restore) against `cp` + `rm` of the same files in
 * the same run, with and without syncs. Run by hand: `npm run bench:quarantine -- --help`.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { BenchError, intOption, parseCli, runMain, sizeOption, stringOption } from './cli-args.js';
import { makeBigSet, makeSmallSet, verifyGone, verifySet, type FileSet } from './quarantine-corpus.js';
import { copyMethod, epqMethod, type Method, type RoundTrip, type Workspace } from './quarantine-methods.js';
import { printResults, type Result } from './quarantine-report.js';

const USAGE = `
Usage: node dist/bench/quarantine-vs-cp.js [options]     (or: npm run bench:quarantine -- [options])

Writes seeded random files (many small ones, a few big ones) under a root prefix in a scratch
folder, then times, in the same run and on the same files:
  cp + rm          cp -a SRC DST && rm -rf SRC, and back (no sync: the data may still be in RAM)
  epq batch        quarantineMany() on the whole set, then restoreMany()
  cp + sync + rm   the same as cp + rm with syncfs after the copy and after the removal (durable)
  epq one by one   QuarantineStore.quarantine() per file, then restoreItem() per item
epq runs in-process on a fresh state folder on the same filesystem; every fsync its crash
safety needs is done. After each epq restore every file is hashed against the original.
Each phase starts after an untimed sync. The methods take turns within each run; ratios are the
median of the per-run ratios, which holds up better than a ratio of medians on a busy machine.
Sizes take decimal units (100M = 1e8 B).
Exit: 0 = done and verified, 2 = the benchmark failed (including a file not restored intact).`;

const log = (s: string): void => void process.stderr.write(`${s}\n`);

const METHOD_NAMES = ['cp', 'cp-sync', 'single', 'batch'] as const;

function parseMethods(raw: string): Set<(typeof METHOD_NAMES)[number]> {
  const names = raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
  for (const n of names) {
    if (!(METHOD_NAMES as readonly string[]).includes(n)) throw new BenchError(`--methods: unknown method "${n}"; use ${METHOD_NAMES.join(', ')}`);
  }
  if (names.length === 0) throw new BenchError('--methods needs at least one method');
  return new Set(names as (typeof METHOD_NAMES)[number][]);
}

/** A scratch folder we may fill and empty: new, or existing and empty. */
function prepareDir(given: string | undefined): { dir: string; created: boolean } {
  if (given === undefined) {
    return { dir: mkdtempSync(join(tmpdir(), 'epq-bench-quarantine-')), created: true };
  }
  const dir = resolve(given);
  if (existsSync(dir)) {
    if (readdirSync(dir).length > 0) throw new BenchError(`--dir ${dir} is not empty; give a new or empty folder (the benchmark fills and removes it)`);
    return { dir, created: false };
  }
  mkdirSync(dir, { recursive: true });
  return { dir, created: true };
}

/** findmnt names ext4 as such (`stat -f` says ext2/ext3 for all three); either may be missing. */
function filesystemOf(dir: string): string {
  for (const [cmd, args] of [['findmnt', ['-n', '-o', 'FSTYPE', '-T', dir]], ['stat', ['-f', '-c', '%T', dir]]] as const) {
    try {
      return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      // Try the next tool.
    }
  }
  return 'unknown filesystem';
}

async function main(): Promise<number> {
  const opts = parseCli(process.argv.slice(2), USAGE, [
    { name: 'small', type: 'string', default: '10000', help: 'number of small files (512 B to 8 KB each)' },
    { name: 'big', type: 'string', default: '20', help: 'number of big files' },
    { name: 'big-size', type: 'string', default: '100M', help: 'size of each big file' },
    { name: 'dir', type: 'string', help: 'scratch folder (new or empty; default: a new folder under the system temp dir)' },
    { name: 'seed', type: 'string', default: '1', help: 'PRNG seed for sizes and contents' },
    { name: 'runs', type: 'string', default: '1', help: 'round trips per method; the median is reported' },
    { name: 'methods', type: 'string', default: METHOD_NAMES.join(','), help: `which to time, comma-separated: ${METHOD_NAMES.join(', ')}` },
    { name: 'threads', type: 'string', help: "libuv thread pool size (UV_THREADPOOL_SIZE; Node's default 4, which `epq` uses): fsyncs epq can have in flight at once" },
    { name: 'keep', type: 'boolean', help: 'keep the scratch folder afterwards' },
  ]);
  if (!opts) return 0;
  // Read by libuv when the pool first starts, which is later than this: nothing before here
  // does asynchronous file I/O.
  if (opts['threads'] !== undefined) process.env['UV_THREADPOOL_SIZE'] = String(intOption(opts, 'threads', 1, 1024));
  const small = intOption(opts, 'small', 0, 10_000_000);
  const big = intOption(opts, 'big', 0, 10_000);
  const bigSize = sizeOption(opts, 'big-size');
  const seed = intOption(opts, 'seed', 0, 2 ** 31 - 1);
  const runs = intOption(opts, 'runs', 1, 100);
  const chosen = parseMethods(stringOption(opts, 'methods'));
  if (small + big === 0) throw new BenchError('nothing to do: --small and --big are both 0');

  const { dir, created } = prepareDir(opts['dir'] as string | undefined);
  const ws: Workspace = { root: join(dir, 'root'), cpDir: join(dir, 'cp'), stateBase: dir };
  try {
    mkdirSync(ws.root);
    const pool = process.env['UV_THREADPOOL_SIZE'] ?? '4 (default)';
    log(`scratch folder ${dir} (${filesystemOf(dir)}); ${cpus().length} CPUs, load ${loadavg().map((x) => x.toFixed(1)).join(' ')}, node ${process.version}, thread pool ${pool}`);
    const sets: FileSet[] = [];
    if (small > 0) {
      log(`writing ${small} small files ...`);
      sets.push(makeSmallSet(ws.root, small, seed));
    }
    if (big > 0) {
      log(`writing ${big} files of ${bigSize / 1e6} MB ...`);
      sets.push(makeBigSet(ws.root, big, bigSize, seed));
    }
    const verifyAfterAway = (set: FileSet): void => verifyGone(ws.root, set, 'quarantine');
    // epq batch runs right after cp + rm, the ratio that matters most, so that the two see the
    // machine in the same state as far as possible.
    const methods: Method[] = [
      ...(chosen.has('cp') ? [copyMethod(ws, false)] : []),
      ...(chosen.has('batch') ? [epqMethod(ws, true, verifyAfterAway)] : []),
      ...(chosen.has('cp-sync') ? [copyMethod(ws, true)] : []),
      ...(chosen.has('single') ? [epqMethod(ws, false, verifyAfterAway)] : []),
    ];
    const trips = new Map<string, RoundTrip[]>();
    // Methods take turns within each run, so a slower or busier moment hits them all alike.
    for (let r = 1; r <= runs; r++) {
      for (const set of sets) {
        for (const m of methods) {
          const t = await m.roundTrip(set);
          log(`run ${r}/${runs} ${set.name} ${m.name}: away ${t.away.toFixed(3)} s, back ${t.back.toFixed(3)} s`);
          if (m.isEpq) verifySet(ws.root, set, `${m.name} restore`);
          const key = `${set.name}\t${m.name}`;
          trips.set(key, [...(trips.get(key) ?? []), t]);
        }
        verifySet(ws.root, set, 'this run');
      }
    }
    const results: Result[] = [];
    for (const set of sets) {
      for (const m of methods) {
        const all = trips.get(`${set.name}\t${m.name}`)!;
        results.push({ set, method: m.name, away: all.map((t) => t.away), back: all.map((t) => t.back) });
      }
    }
    printResults(results, runs, (s) => void process.stdout.write(`${s}\n`));
    return 0;
  } finally {
    if (opts['keep']) log(`kept ${dir}`);
    else if (created) rmSync(dir, { recursive: true, force: true });
    else for (const e of readdirSync(dir)) rmSync(join(dir, e), { recursive: true, force: true });
  }
}

await runMain('quarantine-vs-cp', main);
