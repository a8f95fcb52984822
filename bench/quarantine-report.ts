/** Prints the quarantine benchmark's figures: a plain listing, then a Markdown table for the README. */
import { markdownTable } from './compare.js';
import type { FileSet } from './quarantine-corpus.js';

export interface Result {
  readonly set: FileSet;
  readonly method: string;
  /** Median seconds to move the set away (quarantine) and back (restore). */
  readonly away: number;
  readonly back: number;
}

const BASELINES = ['cp + rm', 'cp + sync + rm'] as const;

const perSecond = (n: number, s: number): string => (s > 0 ? (n / s).toFixed(n / s >= 100 ? 0 : 1) : 'n/a');
const seconds = (s: number): string => `${s.toFixed(s < 10 ? 3 : 1)} s`;

/** Time taken relative to a baseline's ("2.5x" = 2.5 times as long); blank when absent. */
function ratio(s: number, base: number | undefined): string {
  if (base === undefined || !(base > 0)) return '';
  return `${(s / base).toFixed(2)}x`;
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
    out(`\n${describeSet(set)}, median of ${runs} run(s):`);
    for (const op of ['quarantine', 'restore'] as const) {
      const mine = results.filter((r) => r.set === set);
      const time = (r: Result): number => (op === 'quarantine' ? r.away : r.back);
      const base = new Map(mine.filter((r) => (BASELINES as readonly string[]).includes(r.method)).map((r) => [r.method, time(r)]));
      out(`  ${op}:`);
      for (const r of mine) {
        const s = time(r);
        const vs = BASELINES.map((b) => (b === r.method ? '' : ratio(s, base.get(b)))).map((x, i) => (x ? `${x} ${BASELINES[i]}` : '')).filter((x) => x);
        out(`    ${r.method.padEnd(15)} ${seconds(s).padStart(9)}  ${perSecond(set.files.length, s).padStart(7)} items/s  ${perSecond(set.bytes / 1e6, s).padStart(7)} MB/s${vs.length > 0 ? `   time: ${vs.join(', ')}` : ''}`);
        rows.push([
          `${set.files.length} ${set.name}`, op, r.method, seconds(s), perSecond(set.files.length, s), perSecond(set.bytes / 1e6, s),
          r.method === BASELINES[0] ? '1x' : ratio(s, base.get(BASELINES[0])),
          r.method === BASELINES[1] ? '1x' : ratio(s, base.get(BASELINES[1])),
        ]);
      }
    }
  }
  out('\nMarkdown (time columns: how many times as long as the baseline):\n');
  out(markdownTable(['files', 'operation', 'method', 'time', 'items/s', 'MB/s', 'vs cp + rm', 'vs cp + sync + rm'], rows));
}
