/**
 * A real `epq agent` for the storm: its config, a signed bad and fixed set from a publisher of
 * its own, the process (optionally under a low open-file limit), and read-only looks at its
 * quarantine database and its peak memory.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { BenchError } from './cli-args.js';
import { run } from './tools.js';

/** bin/epq.js, found upwards from here: from dist/bench (the bench) or bench/ (jest). */
function findRepoRoot(): string {
  for (let d = dirname(fileURLToPath(import.meta.url)); ; d = dirname(d)) {
    if (existsSync(join(d, 'bin', 'epq.js'))) return d;
    if (dirname(d) === d) throw new BenchError('bin/epq.js not found above the bench');
  }
}
const REPO_ROOT = findRepoRoot();
const EPQ_BIN = join(REPO_ROOT, 'bin', 'epq.js');

export interface StormPaths {
  readonly dir: string;
  readonly root: string;
  readonly stateDir: string;
  readonly source: string;
  readonly config: string;
}

/** Writes the agent's config: `watched` (host path) protected, `source` polled every second. */
export function writeStormConfig(dir: string, root: string, watched: string): StormPaths {
  const paths = { dir, root, stateDir: join(dir, 'state'), source: join(dir, 'liveupdate'), config: join(dir, 'agent.json') };
  mkdirSync(paths.source, { recursive: true });
  writeFileSync(paths.config, JSON.stringify({
    stateDir: paths.stateDir,
    root,
    watch: { paths: [watched], stableMs: '200ms' },
    definitions: { trustedKeys: [join(dir, 'pub.pub')], source: paths.source, pollInterval: '1s' },
    log: { file: join(paths.stateDir, 'epq.log') },
  }));
  return paths;
}

/** Makes the publisher's key pair (once) and builds set `sequence` from `files`; returns the package. */
export async function publishSet(dir: string, sequence: number, files: Record<string, string>): Promise<string> {
  if (!existsKey(dir)) await mustRun(['defs', 'keygen', '--out', join(dir, 'pub')]);
  const src = join(dir, `src-${sequence}`);
  mkdirSync(src, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(src, name), text);
  const out = join(dir, `defs-${sequence}.epqdefs`);
  await mustRun(['defs', 'build', '--sequence', String(sequence), '--from', src, '--key', join(dir, 'pub.key'), '--out', out, '--certified']);
  return out;
}

function existsKey(dir: string): boolean {
  try {
    readFileSync(join(dir, 'pub.pub'));
    return true;
  } catch {
    return false;
  }
}

async function mustRun(args: string[]): Promise<void> {
  const r = await run(process.execPath, [EPQ_BIN, ...args]);
  if (r.code !== 0) throw new BenchError(`epq ${args.join(' ')} failed (${r.code}): ${r.stderr || r.stdout}`);
}

export interface RunningAgent {
  readonly child: ChildProcess;
  output: string;
  readonly exited: Promise<number | null>;
}

/** Spawns the agent; `nofile` runs it under that open-file limit (prlimit execs, so the pid is the agent's). */
export function spawnStormAgent(config: string, nofile?: number): RunningAgent {
  const node = [process.execPath, EPQ_BIN, 'agent', '--config', config];
  const [cmd, ...args] = nofile === undefined ? node : ['prlimit', `--nofile=${nofile}:${nofile}`, ...node];
  const child = spawn(cmd!, args, { cwd: REPO_ROOT, env: { ...process.env, NO_COLOR: '1' } });
  const agent: RunningAgent = { child, output: '', exited: new Promise((resolve) => child.on('exit', (code) => resolve(code))) };
  child.stdout!.on('data', (d: Buffer) => (agent.output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (agent.output += d.toString()));
  return agent;
}

/** Item counts by phase, read-only (no recovery, no lock): what the agent has committed. */
export function countPhases(stateDir: string): Record<string, number> {
  let db: Database.Database;
  try {
    db = new Database(join(stateDir, 'agent.db'), { readonly: true, fileMustExist: true });
  } catch {
    return {};
  }
  try {
    db.pragma('busy_timeout = 2000');
    const rows = db.prepare('SELECT phase, COUNT(*) AS n FROM quarantine_items GROUP BY phase').all() as { phase: string; n: number }[];
    return Object.fromEntries(rows.map((r) => [r.phase, r.n]));
  } catch {
    return {};
  } finally {
    db.close();
  }
}

/** How many distinct original paths have more than one item (a file held twice). */
export function countHeldTwice(stateDir: string): number {
  const db = new Database(join(stateDir, 'agent.db'), { readonly: true, fileMustExist: true });
  try {
    const row = db.prepare("SELECT COUNT(*) AS n FROM (SELECT original_path FROM quarantine_items WHERE phase IN ('stored', 'complete') GROUP BY original_path HAVING COUNT(*) > 1)").get() as { n: number };
    return row.n;
  } finally {
    db.close();
  }
}

/** The held items' original paths (phase stored or complete). */
export function heldPaths(stateDir: string): string[] {
  const db = new Database(join(stateDir, 'agent.db'), { readonly: true, fileMustExist: true });
  try {
    return (db.prepare("SELECT original_path AS p FROM quarantine_items WHERE phase IN ('stored', 'complete')").all() as { p: string }[]).map((r) => r.p);
  } finally {
    db.close();
  }
}

/** The error words recorded on the held items of `originalPath`. */
export function itemErrorWords(stateDir: string, originalPath: string): string[] {
  const db = new Database(join(stateDir, 'agent.db'), { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare("SELECT errors FROM quarantine_items WHERE original_path = :path AND phase IN ('stored', 'complete')").all({ path: originalPath }) as { errors: string }[];
    return rows.flatMap((r) => (JSON.parse(r.errors) as { word: string }[]).map((e) => e.word));
  } finally {
    db.close();
  }
}

/** Peak resident memory of a live process in bytes (VmHWM), or null once it is gone. */
export function peakRss(pid: number): number | null {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** The agent's active definitions sequence, from the status file it publishes. */
export function activeSequence(stateDir: string): number | null {
  return readStatus(stateDir)?.definitions.sequence ?? null;
}

/** How many files the agent has scanned since it started (status file, every 2 s and at stop). */
export function scannedCount(stateDir: string): number | null {
  return readStatus(stateDir)?.scanned ?? null;
}

function readStatus(stateDir: string): { definitions: { sequence: number }; scanned: number } | null {
  try {
    return JSON.parse(readFileSync(join(stateDir, 'agent-status.json'), 'utf8')) as { definitions: { sequence: number }; scanned: number };
  } catch {
    return null;
  }
}

/** Polls `check` every `everyMs` until true; throws with `describe()` after `ms`. */
export async function waitFor(check: () => boolean, ms: number, describe: () => string, everyMs = 100): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new BenchError(describe());
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
