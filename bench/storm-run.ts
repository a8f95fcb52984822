/**
 * One false-positive storm, end to end (issue 11): a fake root with the storm corpus, `cp -a`
 * of the data tree timed as the reference, a running agent watching `/srv` with a bad signed
 * set, the data tree moved into the watched folder, every file quarantined, then the fixed set
 * published and every file silently restored; the root compared before and after.
 */
import { copyFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { BenchError } from './cli-args.js';
import { activeSequence, countPhases, peakRss, publishSet, spawnStormAgent, waitFor, writeStormConfig, type RunningAgent, type StormPaths } from './storm-agent.js';
import { compareSnapshots, countExact, countRemoved, snapshotRoot, type Snapshot, type TreeDiff } from './storm-compare.js';
import { DATA_DIR, STAGING_DIR, WATCHED_DIR, writeStormCorpus, type StormCorpus } from './storm-corpus.js';
import { run } from './tools.js';

export interface StormOptions {
  readonly dir: string;
  readonly files: number;
  readonly avgBytes: number;
  readonly seed: number;
  /** Open-file limit of the agent (prlimit), if any. */
  readonly nofile?: number;
  /** Deadline of each phase. */
  readonly phaseMs: number;
  readonly log: (line: string) => void;
  /** Runs with every file quarantined, before the fixed set is published (edits, CLI loops). */
  readonly beforeRestore?: (paths: StormPaths, corpus: StormCorpus) => Promise<void>;
  /** Runs right after the fixed set is published, while the restore runs. */
  readonly duringRestore?: (paths: StormPaths) => Promise<void>;
  /** Runs with every file restored, the agent still running. */
  readonly afterRestore?: (paths: StormPaths) => Promise<void>;
  /** Persistence files the caller changed on purpose: left out of the exact comparison. */
  readonly changedOnPurpose?: readonly string[];
}

export interface StormReport {
  readonly files: number;
  readonly bytes: number;
  readonly cpSeconds: number;
  readonly quarantineSeconds: number;
  readonly firstItemSeconds: number;
  readonly restoreSeconds: number;
  readonly entries: number;
  readonly removedAtQuarantine: number;
  readonly exact: number;
  readonly diff: TreeDiff;
  /** The fake root before the storm (text kept for the line-edited persistence files). */
  readonly before: Snapshot;
  readonly peakRssBytes: number;
  readonly agentExit: number | null;
  readonly agentOutput: string;
  readonly corpus: StormCorpus;
  readonly paths: StormPaths;
}

/** @throws BenchError when a phase misses its deadline (naming it, with the counts reached). */
export async function runStorm(o: StormOptions): Promise<StormReport> {
  const root = join(o.dir, 'root');
  o.log(`writing ${o.files} files under ${root}`);
  const corpus = writeStormCorpus(root, o.files, o.avgBytes, o.seed);
  const textOf = new Set(corpus.entries.filter((e) => !e.whole).map((e) => e.file));
  const before = snapshotRoot(root, [], textOf, { from: STAGING_DIR, to: DATA_DIR });
  const cpSeconds = await timeCp(join(root, STAGING_DIR), join(o.dir, 'cp-reference'));
  const paths = writeStormConfig(o.dir, root, join(root, WATCHED_DIR));
  const bad = await publishSet(o.dir, 1, corpus.badSet);
  const fixed = await publishSet(o.dir, 2, corpus.fixedSet);
  copyFileSync(bad, join(paths.source, 'defs-1.epqdefs'));
  const agent = spawnStormAgent(paths.config, o.nofile);
  const pid = agent.child.pid!;
  let peak = 0;
  const sample = setInterval(() => (peak = Math.max(peak, peakRss(pid) ?? 0)), 200);
  try {
    await waitFor(() => activeSequence(paths.stateDir) === 1 || agent.child.exitCode !== null, o.phaseMs, () => `the agent never took set 1:\n${agent.output}`);
    if (agent.child.exitCode !== null) throw new BenchError(`the agent exited:\n${agent.output}`);
    const n = corpus.files.length;
    o.log('moving the data tree into the watched folder');
    const t0 = performance.now();
    renameSync(join(root, STAGING_DIR), join(root, DATA_DIR));
    let firstItem = 0;
    await waitFor(() => {
      const held = countPhases(paths.stateDir)['complete'] ?? 0;
      if (held > 0 && firstItem === 0) firstItem = performance.now();
      return held >= n;
    }, o.phaseMs, () => `quarantine: ${JSON.stringify(countPhases(paths.stateDir))} of ${n} after ${o.phaseMs} ms\n${tail(agent)}`, 250);
    const quarantineSeconds = (performance.now() - t0) / 1000;
    const middle = snapshotRoot(root, [], textOf);
    const removedAtQuarantine = countRemoved(corpus.entries, middle);
    o.log(`quarantined ${n} in ${quarantineSeconds.toFixed(1)} s; ${removedAtQuarantine} of ${corpus.entries.length} side effects removed; agent peak RSS so far ${((peakRss(pid) ?? 0) / 1e6).toFixed(0)} MB`);
    await o.beforeRestore?.(paths, corpus);
    const t1 = performance.now();
    copyFileSync(fixed, join(paths.source, 'defs-2.epqdefs'));
    await o.duringRestore?.(paths);
    await waitFor(() => (countPhases(paths.stateDir)['restored'] ?? 0) >= n, o.phaseMs, () => `restore: ${JSON.stringify(countPhases(paths.stateDir))} of ${n} after ${o.phaseMs} ms\n${tail(agent)}`, 250);
    const restoreSeconds = (performance.now() - t1) / 1000;
    o.log(`restored ${n} in ${restoreSeconds.toFixed(1)} s`);
    await o.afterRestore?.(paths);
    peak = Math.max(peak, peakRss(pid) ?? 0);
    agent.child.kill('SIGTERM');
    const agentExit = await agent.exited;
    const after = snapshotRoot(root, [], textOf);
    const purpose = new Set(o.changedOnPurpose ?? []);
    const keep = (m: typeof before): typeof before => new Map([...m].filter(([p]) => !purpose.has(p)));
    const diff = compareSnapshots(keep(before), keep(after), new Set(corpus.lineFiles));
    const exact = countExact(corpus.entries.filter((e) => !purpose.has(e.file)), before, after);
    return {
      files: n, bytes: corpus.bytes, cpSeconds, quarantineSeconds, firstItemSeconds: (firstItem - t0) / 1000, restoreSeconds,
      entries: corpus.entries.length, removedAtQuarantine, exact, diff, before, peakRssBytes: peak, agentExit, agentOutput: agent.output, corpus, paths,
    };
  } finally {
    clearInterval(sample);
    if (agent.child.exitCode === null) {
      agent.child.kill('SIGKILL');
      await agent.exited;
    }
  }
}

/** `cp -a` of the data tree to a fresh place, timed, then removed. */
async function timeCp(from: string, to: string): Promise<number> {
  const r = await run('cp', ['-a', from, to]);
  if (r.code !== 0) throw new BenchError(`cp -a failed: ${r.stderr}`);
  rmSync(to, { recursive: true, force: true });
  return r.seconds;
}

function tail(agent: RunningAgent): string {
  return agent.output.split('\n').slice(-20).join('\n');
}
