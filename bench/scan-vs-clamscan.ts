/**
 * Throughput and detection parity of `epq scan` against clamscan on a seeded random corpus with
 * planted detections. Run by hand: `npm run bench:scan -- --help`.
 */
import { resolve } from 'node:path';
import { BenchError, intOption, parseCli, runMain, sizeOption, stringOption } from './cli-args.js';
import { diffHits, fmt, markdownTable, parseClamscan, parseEpqJson, printDiff, type Hit } from './compare.js';
import { ensureCorpus, filesDir, sizeDrawer } from './corpus.js';
import { BODY_SIG_COUNT, HASH_SIG_COUNT, makeBodySignatures, writeSignatureDir } from './signatures.js';
import { EPQ_BIN, describeFailure, makeEmptyFile, median, requireClamscan, requireEpqScan, run, warmCache, type RunResult } from './tools.js';

const USAGE = `
Usage: node dist/bench/scan-vs-clamscan.js [options]     (or: npm run bench:scan -- [options])

Generates (or reuses) a seeded corpus of random files with planted detections and a ClamAV-syntax
signature folder, then times clamscan and \`epq scan\` on it with a warm page cache, compares
their detections as sets of (path, signature) and prints throughput ratios epq/clamscan.
The corpus lives in <dir>/files with <dir>/manifest.json; sizes take decimal units (3G = 3e9 B).
Exit: 0 = detections identical, 1 = they differ, 2 = the benchmark itself failed.`;

const log = (s: string): void => void process.stderr.write(`${s}\n`);
const say = (s: string): void => void process.stdout.write(`${s}\n`);

/** Which signature each planted file must trigger, with the corpus' absolute paths. */
function groundTruth(dir: string, expected: readonly { rel: string; signature: string }[]): Hit[] {
  return expected.map((e) => ({ path: resolve(filesDir(dir), e.rel), signature: e.signature }));
}

/** clamscan may report one match twice (the file and an object it found inside): count pairs. */
const unique = (hits: readonly Hit[]): number => new Set(hits.map((h) => `${h.path}\t${h.signature}`)).size;

interface ToolRun {
  readonly seconds: number;
  readonly hits: Hit[];
  readonly errors: number;
}

/** Exit 0 = clean and 1 = detections for both tools; anything else is a failed run. */
function checkExit(what: string, r: RunResult): void {
  if (r.code !== 0 && r.code !== 1) throw new BenchError(describeFailure(what, r));
}

async function timeRuns(what: string, runs: number, corpus: string, once: () => Promise<ToolRun>): Promise<ToolRun> {
  const all: ToolRun[] = [];
  for (let i = 0; i < runs; i++) {
    const warm = warmCache(corpus);
    log(`${what}: run ${i + 1}/${runs} (page cache warmed: ${warm.files} files) ...`);
    const r = await once();
    log(`${what}: ${fmt.s(r.seconds)}, ${unique(r.hits)} distinct detections, ${r.errors} errors`);
    const d = all.length > 0 ? diffHits(all[0]!.hits, r.hits) : null;
    if (d && d.onlyA.length + d.onlyB.length > 0) {
      throw new BenchError(`${what} reported different detections on run ${i + 1} than on run 1`);
    }
    all.push(r);
  }
  return { ...all[0]!, seconds: median(all.map((r) => r.seconds)) };
}

async function loadTime(what: string, cmd: string, args: (empty: string) => string[]): Promise<number> {
  const empty = makeEmptyFile();
  try {
    const times: number[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await run(cmd, args(empty.path));
      if (r.code !== 0) throw new BenchError(describeFailure(`${what} on an empty file (signature load)`, r));
      times.push(r.seconds);
    }
    return median(times);
  } finally {
    empty.cleanup();
  }
}

async function main(): Promise<number> {
  const opts = parseCli(process.argv.slice(2), USAGE, [
    { name: 'dir', type: 'string', default: '/tmp/epq-bench/corpus', help: 'corpus folder (reused when its manifest matches)' },
    { name: 'sigs', type: 'string', default: '/tmp/epq-bench/sigs', help: 'signature folder to (re)write: bench.hsb, bench.ndb, eicar.ndb' },
    { name: 'seed', type: 'string', default: '1', help: 'PRNG seed; same seed and sizes give a byte-identical corpus' },
    { name: 'files', type: 'string', default: '4000', help: 'number of files' },
    { name: 'total', type: 'string', default: '3G', help: 'approximate corpus size' },
    { name: 'runs', type: 'string', default: '1', help: 'timed runs per tool; the median wall time is reported' },
    { name: 'clamscan-only', type: 'boolean', help: 'skip epq (e.g. while its scan command is being written)' },
  ]);
  if (!opts) return 0;
  const dir = resolve(stringOption(opts, 'dir'));
  const sigDir = resolve(stringOption(opts, 'sigs'));
  const params = { seed: intOption(opts, 'seed', 0, 2 ** 32 - 1), files: intOption(opts, 'files', 100), total: sizeOption(opts, 'total') };
  const runs = intOption(opts, 'runs', 1, 20);
  const withEpq = !opts['clamscan-only'];

  const clamVersion = requireClamscan();
  if (withEpq) requireEpqScan();

  const manifest = ensureCorpus(dir, params, log);
  const hashNames = writeSignatureDir(sigDir, params.seed, makeBodySignatures(params.seed), manifest.hashPlants, sizeDrawer(manifest));
  const truth = [
    ...groundTruth(dir, manifest.expected),
    ...groundTruth(dir, manifest.hashPlants.map((p, i) => ({ rel: p.rel, signature: hashNames[i]! }))),
  ];
  const corpus = filesDir(dir);
  const bytes = manifest.bytes;
  const sigCount = HASH_SIG_COUNT + BODY_SIG_COUNT + 1;
  log(`corpus: ${manifest.files.length} files, ${(bytes / 1e9).toFixed(2)} GB; signatures: ${sigCount} in ${sigDir}; expected detections: ${truth.length}`);

  const clamArgs = ['--no-summary', '--allmatch', '--infected', '-r', '-d', sigDir];
  const clamLoad = await loadTime('clamscan', 'clamscan', (empty) => [...clamArgs, empty]);
  log(`clamscan signature load: ${fmt.s(clamLoad)}`);
  const clam = await timeRuns('clamscan', runs, corpus, async () => {
    const r = await run('clamscan', [...clamArgs, corpus]);
    checkExit('clamscan', r);
    const parsed = parseClamscan(r.stdout);
    return { seconds: r.seconds, hits: parsed.hits, errors: parsed.errors.length };
  });

  let epq: ToolRun | null = null;
  let epqLoad = NaN;
  if (withEpq) {
    const epqArgs = [EPQ_BIN, 'scan', '--json', '--clamav-db', sigDir];
    epqLoad = await loadTime('epq', process.execPath, (empty) => [...epqArgs, empty]);
    log(`epq signature load: ${fmt.s(epqLoad)}`);
    epq = await timeRuns('epq', runs, corpus, async () => {
      const r = await run(process.execPath, [...epqArgs, corpus]);
      checkExit('epq scan', r);
      const report = parseEpqJson(r.stdout);
      if (report.summary.files !== manifest.files.length) log(`warning: epq scanned ${report.summary.files} files, the corpus has ${manifest.files.length}`);
      for (const e of report.errors.slice(0, 5)) log(`epq error: ${e.path}: ${e.message}`);
      return { seconds: r.seconds, hits: report.hits, errors: report.errors.length };
    });
  }

  say('');
  say(`# epq scan vs ${clamVersion}`);
  say(`corpus: ${manifest.files.length} files, ${(bytes / 1e9).toFixed(2)} GB (seed ${params.seed}), ${sigCount} signatures`);
  // Ground truth first: if clamscan disagrees with it, the generator is wrong, not epq.
  say(`clamscan vs planted (${truth.length}):`);
  if (printDiff(diffHits(clam.hits, truth), 'clamscan', 'planted', corpus, say)) say('  identical');
  let identical = true;
  if (epq) {
    say(`epq vs clamscan:`);
    identical = printDiff(diffHits(epq.hits, clam.hits), 'epq', 'clamscan', corpus, say);
    if (identical) say('  identical');
  }

  const excl = (s: number, load: number): number => s - load;
  const rows: string[][] = [];
  const both = (label: string, c: string, e: string, ratio: string): void => void rows.push([label, c, epq ? e : '—', epq ? ratio : '—']);
  const cT = clam.seconds;
  const eT = epq?.seconds ?? NaN;
  both('Wall time', fmt.s(cT), fmt.s(eT), fmt.ratio(cT / eT));
  both('Throughput incl. signature load', fmt.mbps(bytes, cT), fmt.mbps(bytes, eT), fmt.ratio(cT / eT));
  both('Throughput excl. signature load', fmt.mbps(bytes, excl(cT, clamLoad)), fmt.mbps(bytes, excl(eT, epqLoad)), fmt.ratio(excl(cT, clamLoad) / excl(eT, epqLoad)));
  both('Signature load (empty file)', fmt.s(clamLoad), fmt.s(epqLoad), fmt.ratio(clamLoad / epqLoad));
  both('Detections (distinct file, signature)', String(unique(clam.hits)), String(unique(epq?.hits ?? [])), identical ? 'identical' : 'DIFFERENT');

  say('');
  say(`clamscan: ${fmt.s(cT)}, ${fmt.mbps(bytes, cT)} (${fmt.mbps(bytes, excl(cT, clamLoad))} excluding ${fmt.s(clamLoad)} signature load)`);
  if (epq) {
    say(`epq:      ${fmt.s(eT)}, ${fmt.mbps(bytes, eT)} (${fmt.mbps(bytes, excl(eT, epqLoad))} excluding ${fmt.s(epqLoad)} signature load)`);
    say(`throughput epq/clamscan: ${fmt.ratio(cT / eT)} (goal >= 10x); detections ${identical ? 'identical' : 'DIFFER'}`);
  }
  say('');
  say(`Scan of ${manifest.files.length} random files, ${(bytes / 1e9).toFixed(2)} GB, ${sigCount.toLocaleString('en-US')} signatures, warm page cache, ${runs === 1 ? '1 run' : `median of ${runs} runs`}:`);
  say('');
  say(markdownTable(['', clamVersion, 'epq', 'epq speed-up (clamscan / epq)'], rows));
  return identical ? 0 : 1;
}

await runMain('scan-vs-clamscan', main);
