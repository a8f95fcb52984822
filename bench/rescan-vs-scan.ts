/**
 * Quarantine rescan after a definitions update, beside `epq scan` of the same files on disk in
 * the same run: N quarantined items (default 1,000 of 1 MB = 1 GB), rescanned with the bench
 * signature set (decrypted in memory, never written to disk). Goal: at most 1.5x the scan.
 * Run by hand: `npm run bench:rescan -- --help`.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileEngine } from '../scanner/engine.js';
import { parseSignatureFiles, type SignatureDatabase } from '../scanner/signature-database.js';
import { ExceptionMatcher } from '../agent/exceptions/exception-list.js';
import { QuarantineStore } from '../agent/quarantine/quarantine-store.js';
import { rescanQuarantine } from '../agent/quarantine/rescan-quarantine.js';
import { scanTree } from '../agent/scan/scan-tree.js';
import { WorkerPool } from '../agent/scan/worker-pool.js';
import type { ArchiveSettings } from '../agent/scan/archive-settings.js';
import { DEFAULT_ARCHIVE_LIMITS } from '../scanner/archive/archive-limits.js';

/** The default config's archive settings: the scan, the pool and the rescan look into archives alike, as in the agent. */
const ARCHIVE: ArchiveSettings = { limits: DEFAULT_ARCHIVE_LIMITS, alertExceedsMax: false };
import { intOption, parseCli, runMain } from './cli-args.js';
import { markdownTable } from './compare.js';
import { Rng } from './prng.js';
import { median } from './tools.js';
import { bodyHex, makeBodySignatures } from './signatures.js';

const USAGE = `
Usage: node dist/bench/rescan-vs-scan.js [--items N] [--item-size BYTES] [--runs N]
Quarantines N random files, then times, RUNS times in turn, epq scan of copies of the same files
and a rescan of the quarantine; prints the medians.`;
const log = (s: string): void => void process.stderr.write(`${s}\n`);

async function main(): Promise<number> {
  const opts = parseCli(process.argv.slice(2), USAGE, [
    { name: 'items', type: 'string', default: '1000', help: 'quarantined items' },
    { name: 'item-size', type: 'string', default: '1000000', help: 'bytes per item' },
    { name: 'runs', type: 'string', default: '5', help: 'scan + rescan rounds (the median is printed)' },
  ]);
  if (!opts) return 0;
  const items = intOption(opts, 'items', 1, 1_000_000);
  const size = intOption(opts, 'item-size', 1, 1 << 30);
  const runs = intOption(opts, 'runs', 1, 100);
  const dir = mkdtempSync(join(tmpdir(), 'epq-bench-rescan-'));
  try {
    const root = join(dir, 'root');
    const files = join(root, 'files');
    // The scan reads copies of the same bytes: quarantining moves the originals away.
    const copies = join(dir, 'copies');
    mkdirSync(files, { recursive: true });
    mkdirSync(copies);
    const rng = new Rng(7);
    for (let i = 0; i < items; i++) {
      const bytes = rng.bytes(size);
      writeFileSync(join(files, `f${i}.bin`), bytes);
      writeFileSync(join(copies, `f${i}.bin`), bytes);
    }
    const ndb = makeBodySignatures(11).map((s) => `${s.name}:0:*:${bodyHex(s)}`).join('\n');
    const database = parseSignatureFiles([{ name: 'bench.ndb', data: Buffer.from(ndb) }]);
    const store = new QuarantineStore({ stateDir: join(dir, 'state'), root, computer: 'bench', userNameOf: String });
    log(`quarantining ${items} files of ${size} bytes ...`);
    for (let i = 0; i < items; i++) {
      await store.quarantine({ path: `/files/f${i}.bin`, detections: [{ signature: 'Bench.Fake', kind: 'hash' }], definitionsSequence: 1 });
    }
    const rounds: { scan: number; rescan: number }[] = [];
    for (let r = 1; r <= runs; r++) {
      log(`run ${r} of ${runs}: epq scan of the copies on disk, then a rescan of the quarantine ...`);
      const scan = await scanTree(database, { paths: [copies], jobs: 0, followSymlinks: false, exclude: [], maxFileSize: 0, archive: ARCHIVE }, () => {});
      rounds.push({ scan: scan.seconds, rescan: await timeRescan(store, database, items) });
    }
    store.close();
    const mb = (items * size) / 1e6;
    const scanSeconds = median(rounds.map((x) => x.scan));
    const rescanSeconds = median(rounds.map((x) => x.rescan));
    const ratio = median(rounds.map((x) => x.rescan / x.scan));
    process.stdout.write(`\n# Quarantine rescan vs epq scan (${items} items, ${mb.toFixed(0)} MB, median of ${runs} runs)\n\n${markdownTable(['', 'seconds', 'MB/s'], [
      ['epq scan of the files on disk', scanSeconds.toFixed(2), (mb / scanSeconds).toFixed(0)],
      [`rescan of the quarantine (${items} items)`, rescanSeconds.toFixed(2), (mb / rescanSeconds).toFixed(0)],
      ['rescan / scan (median of the per-run ratios)', `${ratio.toFixed(2)}x`, 'goal <= 1.5x'],
    ])}\n\nper run (scan s / rescan s): ${rounds.map((x) => `${x.scan.toFixed(2)}/${x.rescan.toFixed(2)}`).join(', ')}\n`);
    return 0;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Seconds for a rescan as the agent runs it: a worker pool of its own, started (and timed) for it. */
async function timeRescan(store: QuarantineStore, database: SignatureDatabase, items: number): Promise<number> {
  const t0 = performance.now();
  const engine = compileEngine(database);
  const pool = new WorkerPool(availableParallelism(), database, { maxFileSize: 0, noFollow: true, archive: ARCHIVE });
  let outcomes: Awaited<ReturnType<typeof rescanQuarantine>>;
  try {
    outcomes = await rescanQuarantine(store, { engine, sequence: 2, exceptions: new ExceptionMatcher([]), autoRestore: false, scanner: pool, archive: ARCHIVE });
  } finally {
    await pool.close();
  }
  const seconds = (performance.now() - t0) / 1000;
  const errors = outcomes.filter((o) => o.result === 'error');
  if (outcomes.length !== items || errors.length > 0) throw new Error(`rescan covered ${outcomes.length} of ${items} items, ${errors.length} error(s): ${errors[0]?.reason ?? ''}`);
  return seconds;
}

await runMain('rescan-vs-scan', main);
