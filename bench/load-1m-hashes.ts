/**
 * Signature-load cost at scale: wall time and peak RSS of loading 1,000,000 SHA-256 hash
 * signatures and scanning one empty file, epq against clamscan. Run by hand:
 * `npm run bench:load -- --help`.
 */
import { closeSync, mkdirSync, openSync, readdirSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BenchError, intOption, parseCli, runMain, stringOption } from './cli-args.js';
import { fmt, markdownTable } from './compare.js';
import { sizeFor } from './corpus.js';
import { Rng } from './prng.js';
import { EPQ_BIN, describeFailure, makeEmptyFile, measureWithGnuTime, median, requireClamscan, requireEpqScan, requireGnuTime, type Measured } from './tools.js';

const USAGE = `
Usage: node dist/bench/load-1m-hashes.js [options]     (or: npm run bench:load -- [options])

Writes <count> seeded random SHA-256 hash signatures (hex:size:Bench.Hash.NNNNNNN) into
<dir>/bench.hsb, then runs, alternately and <runs> times each, under GNU time:
  clamscan -d <dir> EMPTY
  node bin/epq.js scan --jobs 1 --clamav-db <dir> EMPTY
and prints the median wall time and peak RSS of each, with epq/clamscan ratios
(goal: epq no slower and smaller than clamscan). Exit: 0 = measured, 2 = failed.`;

const HSB = 'bench.hsb';
const log = (s: string): void => void process.stderr.write(`${s}\n`);
const say = (s: string): void => void process.stdout.write(`${s}\n`);

/** Regenerated every run: it takes about a second, and a reused file could be stale or edited. */
function writeHashes(dir: string, seed: number, count: number): number {
  mkdirSync(dir, { recursive: true });
  // Both tools load every database file in the folder; anything else would distort the figure.
  const foreign = readdirSync(dir).filter((f) => f !== HSB);
  if (foreign.length > 0) throw new BenchError(`folder ${dir} holds other files (${foreign.slice(0, 5).join(', ')}); use an empty --dir`);
  const rng = new Rng(seed, 4);
  const digits = String(count - 1).length;
  const fd = openSync(join(dir, HSB), 'w');
  let bytes = 0;
  try {
    const batch = 20_000;
    for (let start = 0; start < count; start += batch) {
      const n = Math.min(batch, count - start);
      const hashes = rng.bytes(32 * n).toString('hex');
      const lines: string[] = [];
      for (let i = 0; i < n; i++) {
        // Sizes spread like the scan corpus' (log-uniform 512 B..8 MB), so the size index is realistic.
        lines.push(`${hashes.slice(64 * i, 64 * i + 64)}:${sizeFor(rng.float(), 1)}:Bench.Hash.${String(start + i).padStart(digits, '0')}\n`);
      }
      const buf = Buffer.from(lines.join(''));
      for (let off = 0; off < buf.length; ) off += writeSync(fd, buf, off);
      bytes += buf.length;
    }
  } finally {
    closeSync(fd);
  }
  return bytes;
}

function summarize(ms: readonly Measured[]): { seconds: number; rssKb: number } {
  return { seconds: median(ms.map((m) => m.seconds)), rssKb: median(ms.map((m) => m.peakRssKb)) };
}

async function main(): Promise<number> {
  const opts = parseCli(process.argv.slice(2), USAGE, [
    { name: 'dir', type: 'string', default: '/tmp/epq-bench/hash1m', help: 'folder for the .hsb file (nothing else may be in it)' },
    { name: 'seed', type: 'string', default: '1', help: 'PRNG seed' },
    { name: 'count', type: 'string', default: '1000000', help: 'number of hash signatures' },
    { name: 'runs', type: 'string', default: '3', help: 'runs per tool; medians are reported' },
    { name: 'clamscan-only', type: 'boolean', help: 'skip epq (e.g. while its scan command is being written)' },
  ]);
  if (!opts) return 0;
  const dir = resolve(stringOption(opts, 'dir'));
  const seed = intOption(opts, 'seed', 0, 2 ** 32 - 1);
  const count = intOption(opts, 'count', 1, 50_000_000);
  const runs = intOption(opts, 'runs', 1, 20);
  const withEpq = !opts['clamscan-only'];

  const clamVersion = requireClamscan();
  requireGnuTime();
  if (withEpq) requireEpqScan();

  const t0 = performance.now();
  const bytes = writeHashes(dir, seed, count);
  log(`wrote ${count.toLocaleString('en-US')} hash signatures (${(bytes / 1e6).toFixed(0)} MB) to ${join(dir, HSB)} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  const empty = makeEmptyFile();
  const clam: Measured[] = [];
  const epq: Measured[] = [];
  try {
    for (let i = 0; i < runs; i++) {
      // Alternating the tools spreads any drift of the machine over both.
      const c = await measureWithGnuTime('clamscan', ['-d', dir, empty.path]);
      if (c.result.code !== 0) throw new BenchError(describeFailure('clamscan', c.result));
      const known = /Known viruses: (\d+)/.exec(c.result.stdout);
      if (known && Number(known[1]) !== count) log(`warning: clamscan loaded ${known[1]} signatures, expected ${count}`);
      clam.push(c);
      log(`clamscan run ${i + 1}/${runs}: ${fmt.s(c.seconds)}, peak RSS ${fmt.mb(c.peakRssKb)}`);
      if (!withEpq) continue;
      const e = await measureWithGnuTime(process.execPath, [EPQ_BIN, 'scan', '--jobs', '1', '--clamav-db', dir, empty.path]);
      if (e.result.code !== 0) throw new BenchError(describeFailure('epq scan', e.result));
      epq.push(e);
      log(`epq run ${i + 1}/${runs}: ${fmt.s(e.seconds)}, peak RSS ${fmt.mb(e.peakRssKb)}`);
    }
  } finally {
    empty.cleanup();
  }

  const c = summarize(clam);
  const e = withEpq ? summarize(epq) : { seconds: NaN, rssKb: NaN };
  // Here lower is better, so the ratio is epq/clamscan (1.0 or less meets the goal).
  const ratio = (x: number, y: number): string => (Number.isFinite(x / y) ? `${(x / y).toFixed(2)}` : '—');
  const cell = (s: string): string => (withEpq ? s : '—');
  say('');
  say(`# Loading ${count.toLocaleString('en-US')} SHA-256 hash signatures: epq vs ${clamVersion}`);
  say(`clamscan: ${fmt.s(c.seconds)} wall, peak RSS ${fmt.mb(c.rssKb)}`);
  if (withEpq) {
    say(`epq:      ${fmt.s(e.seconds)} wall, peak RSS ${fmt.mb(e.rssKb)}`);
    say(`epq/clamscan: time ${ratio(e.seconds, c.seconds)}, memory ${ratio(e.rssKb, c.rssKb)} (goal: both <= 1.00)`);
  }
  say('');
  say(`Load ${count.toLocaleString('en-US')} SHA-256 hash signatures (.hsb) and scan one empty file, median of ${runs} runs:`);
  say('');
  say(
    markdownTable(
      ['', clamVersion, 'epq (--jobs 1)', 'epq / clamscan'],
      [
        ['Wall time', fmt.s(c.seconds), cell(fmt.s(e.seconds)), ratio(e.seconds, c.seconds)],
        ['Peak RSS', fmt.mb(c.rssKb), cell(fmt.mb(e.rssKb)), ratio(e.rssKb, c.rssKb)],
      ],
    ),
  );
  return 0;
}

await runMain('load-1m-hashes', main);
