/** Prints the quarantine benchmark's figures: a plain listing, then a Markdown table for the README. */
import { markdownTable } from './compare.js';
import type { FileSet } from './quarantine-corpus.js';
import { median } from './tools.js';

export interface Result {
  readonly set: FileSet;
  readonly method: string;
  /** Seconds per run (same order for every method) to move the set away (quarantine) and back (restore). */
  readonly away: readonly number[];
  readonly back: readonly number[];
}

const BASELINES = ['cp + rm', 'cp + sync + rm'] as const;

const perSecond = (n: number, s: number): string => (s > 0 ? (n / s).toFixed(n / s >= 100 ? 0 : 1) : 'n/a');
const seconds = (s: number): string => `${s.toFixed(s < 10 ? 3 : 1)} s`;

/**
 * Time taken relative to a baseline ("2.5x" = 2.5 times as long), as the median of the per-run
 * ratios: the methods take turns within a run, so a run's ratio compares like with like even
 * when the machine is busier in one run than in another. With several runs, the range follows.
 */
function ratio(mine: readonly number[], base: readonly number[] | undefined): string {
  if (base === undefined || base.length !== mine.length || base.some((b) => !(b > 0))) return '';
  const ratios = mine.map((s, i) => s / base[i]!);
  const range = ratios.length > 1 ? ` (${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)})` : '';
  return `${median(ratios).toFixed(2)}x${range}`;
}

function describeSet(set: FileSet): string {
  const sizes = set.files.map((f) => f.size);
  const span = Math.min(...sizes) === Math.max(...sizes) ? `${sizes[0]! / 1e6} MB each` : `${Math.min(...sizes)} B to ${Math.max(...sizes)} B`;
  return `${set.files.length} ${set.name} files (${span}, ${(set.bytes / 1e6).toFixed(1)} MB)`;
}

export function printResults(results: readonly Result[], runs: number, out: (s: string) => void): void {
  const rows: string[][] = [];
  const sets = [...new Set(results.map((r) => r.set))];
  for (const set of sets) {
    out(`\n${describeSet(set)}; median time of ${runs} run(s), median ratio of the runs (range):`);
    for (const op of ['quarantine', 'restore'] as const) {
      const mine = results.filter((r) => r.set === set);
      const times = (r: Result): readonly number[] => (op === 'quarantine' ? r.away : r.back);
      const base = new Map(mine.filter((r) => (BASELINES as readonly string[]).includes(r.method)).map((r) => [r.method, times(r)]));
      out(`  ${op}:`);
      for (const r of mine) {
        const s = median(times(r));
        const vs = BASELINES.filter((b) => b !== r.method && base.has(b)).map((b) => `${ratio(times(r), base.get(b))} ${b}`);
        out(`    ${r.method.padEnd(15)} ${seconds(s).padStart(9)}  ${perSecond(set.files.length, s).padStart(7)} items/s  ${perSecond(set.bytes / 1e6, s).padStart(7)} MB/s${vs.length > 0 ? `   time: ${vs.join(', ')}` : ''}`);
        rows.push([
          `${set.files.length} ${set.name}`, op, r.method, seconds(s), perSecond(set.files.length, s), perSecond(set.bytes / 1e6, s),
          ...BASELINES.map((b) => (b === r.method ? '1x' : ratio(times(r), base.get(b)))),
        ]);
      }
    }
  }
  out(`\nMarkdown (time: median of ${runs} run(s); vs: how many times as long as the baseline, median of the per-run ratios${runs > 1 ? ' (range)' : ''}):\n`);
  out(markdownTable(['files', 'operation', 'method', 'time', 'items/s', 'MB/s', 'vs cp + rm', 'vs cp + sync + rm'], rows));
}
