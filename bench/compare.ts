import { isAbsolute, relative, resolve } from 'node:path';
import { BenchError } from './cli-args.js';
import { REPO_ROOT } from './tools.js';

/** A detection reduced to what both tools must agree on: which file, which signature. */
export interface Hit {
  readonly path: string;
  readonly signature: string;
}

export interface ScanErrorLine {
  readonly path: string;
  readonly message: string;
}

/** Both tools run with cwd = repo root; comparing absolute paths removes any relative/absolute mismatch. */
const normPath = (p: string): string => (isAbsolute(p) ? resolve(p) : resolve(REPO_ROOT, p));

/**
 * clamscan --infected prints `path: Name FOUND` per match (with --allmatch, one line per
 * signature) and `path: reason ERROR` for files it could not scan. Names from databases that
 * are not signed by Cisco get `.UNOFFICIAL` appended; epq has no such notion, so it is dropped.
 */
export function parseClamscan(stdout: string): { hits: Hit[]; errors: ScanErrorLine[] } {
  const hits: Hit[] = [];
  const errors: ScanErrorLine[] = [];
  for (const line of stdout.split('\n')) {
    const found = /^(.*): (\S+) FOUND$/.exec(line);
    if (found) {
      hits.push({ path: normPath(found[1]!), signature: found[2]!.replace(/\.UNOFFICIAL$/, '') });
      continue;
    }
    const err = /^(.*): (.*) ERROR$/.exec(line);
    if (err) errors.push({ path: normPath(err[1]!), message: err[2]! });
  }
  return { hits, errors };
}

export interface EpqReport {
  readonly hits: Hit[];
  readonly errors: ScanErrorLine[];
  readonly summary: { files: number; bytes: number; detections: number; errors: number; seconds: number };
}

/** `epq scan --json` prints one object; anything else on stdout is a contract break worth naming. */
export function parseEpqJson(stdout: string): EpqReport {
  let doc: unknown;
  try {
    doc = JSON.parse(stdout);
  } catch (err) {
    throw new BenchError(`epq scan --json did not print one JSON object (${(err as Error).message}); stdout began: ${JSON.stringify(stdout.slice(0, 300))}`);
  }
  const d = doc as Partial<{ detections: unknown; errors: unknown; summary: unknown }>;
  if (!d || !Array.isArray(d.detections) || !Array.isArray(d.errors) || typeof d.summary !== 'object' || d.summary === null) {
    throw new BenchError(`epq scan --json output lacks detections[], errors[] or summary: ${JSON.stringify(stdout.slice(0, 300))}`);
  }
  const hits = (d.detections as { path?: unknown; signature?: unknown }[]).map((x) => {
    if (typeof x.path !== 'string' || typeof x.signature !== 'string') throw new BenchError(`epq detection without path/signature: ${JSON.stringify(x)}`);
    return { path: normPath(x.path), signature: x.signature };
  });
  const errors = (d.errors as { path?: unknown; message?: unknown }[]).map((x) => ({ path: normPath(String(x.path)), message: String(x.message) }));
  return { hits, errors, summary: d.summary as EpqReport['summary'] };
}

const key = (h: Hit): string => `${h.path}\t${h.signature}`;

export interface SetDiff {
  readonly onlyA: string[];
  readonly onlyB: string[];
  readonly common: number;
}

export function diffHits(a: readonly Hit[], b: readonly Hit[]): SetDiff {
  const sa = new Set(a.map(key));
  const sb = new Set(b.map(key));
  return {
    onlyA: [...sa].filter((k) => !sb.has(k)).sort(),
    onlyB: [...sb].filter((k) => !sa.has(k)).sort(),
    common: [...sa].filter((k) => sb.has(k)).length,
  };
}

/** Prints a diff with paths shown relative to `base`, which is what a reader wants to see. */
export function printDiff(d: SetDiff, nameA: string, nameB: string, base: string, out: (s: string) => void): boolean {
  const show = (k: string): string => {
    const [p, sig] = k.split('\t') as [string, string];
    return `${relative(base, p)}\t${sig}`;
  };
  for (const k of d.onlyA) out(`  only ${nameA}: ${show(k)}`);
  for (const k of d.onlyB) out(`  only ${nameB}: ${show(k)}`);
  return d.onlyA.length === 0 && d.onlyB.length === 0;
}

export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

export const fmt = {
  s: (x: number): string => `${x.toFixed(2)} s`,
  mbps: (bytes: number, s: number): string => (s > 0 ? `${(bytes / 1e6 / s).toFixed(1)} MB/s` : 'n/a'),
  ratio: (x: number): string => (Number.isFinite(x) ? `${x.toFixed(1)}x` : 'n/a'),
  mb: (kb: number): string => `${(kb / 1024).toFixed(0)} MB`,
};
