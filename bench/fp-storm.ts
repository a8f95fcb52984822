/**
 * The false-positive storm (issue 11), measured: a fake system root with N files (20 KB on
 * average, modes 0600-0755, old and sub-second mtimes) and 242 persistence entries of every kind
 * pointing at 202 of them, a running agent watching, a bad signed set, the files moved into the
 * watched folder, then the fixed set. Quarantine and silent-restore times are reported as ratios
 * to `cp -a` of the same tree measured in the same run, beside what came back exactly.
 * Run by hand: `npm run bench:fp-storm -- --help`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { intOption, parseCli, runMain } from './cli-args.js';
import { markdownTable } from './compare.js';
import { runStorm, type StormReport } from './storm-run.js';

const USAGE = `
Usage: node dist/bench/fp-storm.js [--files N] [--avg-bytes N] [--nofile N] [--seed N] [--keep]
Runs a false-positive storm against a real epq agent and compares the fake root before and after.`;

const log = (s: string): void => void process.stderr.write(`${s}\n`);

function report(r: StormReport): string {
  const ratio = (s: number): string => `${(s / r.cpSeconds).toFixed(1)}x`;
  const d = r.diff;
  return [
    `Storm of ${r.files} files (${(r.bytes / 1e6).toFixed(0)} MB), ${r.entries} side-effect entries; \`cp -a\` of the tree: ${r.cpSeconds.toFixed(2)} s (same run)`,
    '',
    markdownTable(['measure', 'result'], [
      ['quarantine of the storm', `${r.quarantineSeconds.toFixed(1)} s (${ratio(r.quarantineSeconds)} \`cp -a\`; first item after ${r.firstItemSeconds.toFixed(1)} s)`],
      ['silent restore after the fixed set', `${r.restoreSeconds.toFixed(1)} s (${ratio(r.restoreSeconds)} \`cp -a\`)`],
      ['files lost / extra', `${d.lost.length} / ${d.extra.length}`],
      ['files whose bytes differ', String(d.bytesDiffer.length)],
      ['files whose mode or owner differ', String(d.modeOrOwnerDiffer.length)],
      ['mtimes not equal to the ns', `${d.mtimeDiffer.length}${d.mtimeDiffer.length > 0 ? ` (off by up to ${d.maxMtimeOffNs} ns)` : ''}`],
      ['side-effect entries removed at quarantine', `${r.removedAtQuarantine} of ${r.entries}`],
      ['side-effect entries back exactly', `${r.exact} of ${r.entries}`],
      ['agent peak RSS (VmHWM)', `${(r.peakRssBytes / 1e6).toFixed(0)} MB`],
      ['agent exit after SIGTERM', String(r.agentExit)],
    ]),
    ...(d.lost.length + d.bytesDiffer.length + d.modeOrOwnerDiffer.length > 0 ? ['', `first differences: ${JSON.stringify([...d.lost, ...d.bytesDiffer, ...d.modeOrOwnerDiffer].slice(0, 5))}`] : []),
  ].join('\n');
}

async function main(): Promise<number> {
  const opts = parseCli(process.argv.slice(2), USAGE, [
    { name: 'files', type: 'string', default: '10000', help: 'files in the storm' },
    { name: 'avg-bytes', type: 'string', default: '20000', help: 'average file size (10,000 x 20 KB = 200 MB)' },
    { name: 'nofile', type: 'string', help: 'run the agent under this open-file limit (prlimit)' },
    { name: 'seed', type: 'string', default: '11', help: 'corpus seed' },
    { name: 'phase-timeout', type: 'string', default: '1800', help: 'seconds allowed for each phase' },
    { name: 'keep', type: 'boolean', help: 'keep the temp folder (fake root, state, log)' },
  ]);
  if (!opts) return 0;
  const dir = mkdtempSync(join(tmpdir(), 'epq-fp-storm-'));
  try {
    const r = await runStorm({
      dir,
      files: intOption(opts, 'files', 10, 1_000_000),
      avgBytes: intOption(opts, 'avg-bytes', 200, 100_000_000),
      seed: intOption(opts, 'seed', 0),
      ...(opts['nofile'] !== undefined && { nofile: intOption(opts, 'nofile', 64) }),
      phaseMs: intOption(opts, 'phase-timeout', 1) * 1000,
      log,
    });
    process.stdout.write(`${report(r)}\n`);
    const d = r.diff;
    return d.lost.length + d.bytesDiffer.length + d.modeOrOwnerDiffer.length === 0 ? 0 : 1;
  } finally {
    if (opts['keep']) log(`kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

await runMain('fp-storm', main);
