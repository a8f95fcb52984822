import { spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, readSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BenchError } from './cli-args.js';

/** The repo root, found from dist/bench/<script>.js, so the scripts work from any cwd. */
export const REPO_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const EPQ_BIN = join(REPO_ROOT, 'bin', 'epq.js');

export interface RunResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly seconds: number;
}

/** Spawns without a shell and times from spawn to exit (the wall time a user would see). */
export function run(cmd: string, args: readonly string[]): Promise<RunResult> {
  return new Promise((done, fail) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(cmd, args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => fail(new BenchError(`could not start ${cmd}: ${e.message}`)));
    child.on('close', (code, signal) => {
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      done({ code, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), seconds });
    });
  });
}

export function requireClamscan(): string {
  const r = spawnSync('clamscan', ['--version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    throw new BenchError('clamscan is not installed or does not run (`clamscan --version` failed); install it with: apt-get update && apt-get install -y clamav');
  }
  return r.stdout.trim();
}

/** `epq scan` is developed alongside this bench: check that it exists before timing it. */
export function requireEpqScan(): void {
  const r = spawnSync(process.execPath, [EPQ_BIN, 'scan', '--help'], { cwd: REPO_ROOT, encoding: 'utf8' });
  const help = `${r.stdout}${r.stderr}`;
  if (r.error || r.status !== 0 || !help.includes('--clamav-db')) {
    const why = r.status === 2 && help.includes('not built') ? 'epq is not built (run `npm run build`)' : '`epq scan --help` does not list --clamav-db';
    throw new BenchError(`epq's scan command is not usable yet: ${why}; run with --clamscan-only to measure clamscan alone`);
  }
}

/** Reads every file once, so each timed run starts from the same warm page cache. */
export function warmCache(root: string): { files: number; bytes: number } {
  const buf = Buffer.allocUnsafe(8 * 1024 * 1024);
  let files = 0;
  let bytes = 0;
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) {
        const fd = openSync(p, 'r');
        try {
          for (let n; (n = readSync(fd, buf, 0, buf.length, null)) > 0; ) bytes += n;
        } finally {
          closeSync(fd);
        }
        files++;
      }
    }
  };
  walk(root);
  return { files, bytes };
}

/** A zero-byte file: scanning it costs only start-up and signature loading. */
export function makeEmptyFile(): { path: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'epq-bench-'));
  const path = join(dir, 'empty');
  writeFileSync(path, '');
  return { path, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface Measured {
  readonly seconds: number;
  readonly peakRssKb: number;
  readonly result: RunResult;
}

/**
 * Wall time and peak RSS through GNU time. Its report goes to a file (-o) so it cannot mix
 * with the tool's own stderr. Peak RSS is that of the measured process tree's largest member.
 */
export async function measureWithGnuTime(cmd: string, args: readonly string[]): Promise<Measured> {
  const dir = mkdtempSync(join(tmpdir(), 'epq-bench-time-'));
  const report = join(dir, 'time.txt');
  try {
    const result = await run('/usr/bin/time', ['-f', '%e %M', '-o', report, cmd, ...args]);
    let text: string;
    try {
      text = readFileSync(report, 'utf8');
    } catch {
      throw new BenchError(`GNU time wrote no report for ${cmd}; stderr: ${result.stderr.slice(0, 500)}`);
    }
    // On a non-zero exit GNU time adds a "Command exited with non-zero status" line first.
    const last = text.trim().split('\n').at(-1) ?? '';
    const m = /^([\d.]+) (\d+)$/.exec(last);
    if (!m) throw new BenchError(`could not read GNU time's report for ${cmd}: ${JSON.stringify(text)}`);
    return { seconds: Number(m[1]), peakRssKb: Number(m[2]), result };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function requireGnuTime(): void {
  const r = spawnSync('/usr/bin/time', ['-f', '%M', 'true'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    throw new BenchError('GNU time (/usr/bin/time) is missing; install it with: apt-get update && apt-get install -y time');
  }
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Describes a failed run with the end of its stderr, which is where both tools say why. */
export function describeFailure(what: string, r: RunResult): string {
  const tail = r.stderr.trim().split('\n').slice(-8).join('\n');
  return `${what} failed (${r.signal ? `signal ${r.signal}` : `exit ${r.code}`})${tail ? `:\n${tail}` : ''}`;
}
