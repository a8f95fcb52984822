/**
 * The ways of moving a file set away and back that the quarantine benchmark times: `cp` + `rm`
 * (with and without syncs) as single shell commands, and epq's QuarantineStore, one item at a
 * time and in batches.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Detection } from '../scanner/types.js';
import { QuarantineStore, type QuarantineRequest } from '../agent/quarantine/quarantine-store.js';
import { restoreItem, restoreMany } from '../agent/quarantine/restore-item.js';
import { BenchError } from './cli-args.js';
import type { FileSet } from './quarantine-corpus.js';
import { describeFailure, run } from './tools.js';

/** Seconds taken to move a set away (quarantine) and to bring it back (restore). */
export interface RoundTrip {
  readonly away: number;
  readonly back: number;
}

export interface Method {
  readonly name: string;
  /** True for epq's own runs: the restored files are hashed after these. */
  readonly isEpq: boolean;
  roundTrip(set: FileSet): Promise<RoundTrip>;
}

/** Where a run's files live: the root prefix holding the sets, a folder for cp's copies, and state folders. */
export interface Workspace {
  readonly root: string;
  readonly cpDir: string;
  readonly stateBase: string;
}

/** Flushes everything written so far, untimed, so that no phase pays for the previous one's writeback. */
export function settle(): void {
  const r = spawnSync('sync', [], { stdio: 'ignore' });
  if (r.error || r.status !== 0) throw new BenchError(`sync failed: ${r.error?.message ?? `exit ${r.status}`}`);
}

const elapsed = (t0: bigint): number => Number(process.hrtime.bigint() - t0) / 1e9;

async function timeShell(what: string, script: string, args: readonly string[]): Promise<number> {
  const r = await run('sh', ['-c', script, 'sh', ...args]);
  if (r.code !== 0) throw new BenchError(describeFailure(what, r));
  return r.seconds;
}

/**
 * `cp -a SRC DST && rm -rf SRC`, then the reverse; with `sync`, a syncfs(2) after the copy (so it
 * is on disk before the source goes) and after the removal (so the removal is durable too).
 */
export function copyMethod(ws: Workspace, withSync: boolean): Method {
  const script = withSync
    ? 'cp -a -- "$1" "$2" && sync -f -- "$2" && rm -rf -- "$1" && sync -f -- "$3"'
    : 'cp -a -- "$1" "$2" && rm -rf -- "$1"';
  const name = withSync ? 'cp + sync + rm' : 'cp + rm';
  return {
    name,
    isEpq: false,
    async roundTrip(set) {
      const inRoot = join(ws.root, set.top);
      const copied = join(ws.cpDir, set.top);
      mkdirSync(ws.cpDir, { recursive: true });
      settle();
      const away = await timeShell(`${name} of the ${set.name} files`, script, [inRoot, copied, dirname(inRoot)]);
      settle();
      const back = await timeShell(`${name} back of the ${set.name} files`, script, [copied, inRoot, dirname(copied)]);
      return { away, back };
    },
  };
}

const DETECTIONS: readonly Detection[] = [{ signature: 'Bench.Quarantine.Test', kind: 'body', offset: 0 }];

/**
 * epq's quarantine on a fresh state folder: `batch` uses quarantineMany/restoreMany on the whole
 * set (as `epq scan --action quarantine` does at the end of a scan), else one call per file.
 */
export function epqMethod(ws: Workspace, batch: boolean, onTrip: (set: FileSet) => void): Method {
  let n = 0;
  return {
    name: batch ? 'epq batch' : 'epq one by one',
    isEpq: true,
    async roundTrip(set) {
      const stateDir = join(ws.stateBase, `state-${batch ? 'batch' : 'single'}-${++n}`);
      const store = new QuarantineStore({ stateDir, root: ws.root, computer: 'bench', userNameOf: String });
      try {
        const requests: QuarantineRequest[] = set.files.map((f) => ({ path: f.systemPath, detections: DETECTIONS, definitionsSequence: 1 }));
        settle();
        let t0 = process.hrtime.bigint();
        const ids = batch ? await quarantineBatch(store, requests) : await quarantineEach(store, requests);
        const away = elapsed(t0);
        onTrip(set);
        settle();
        t0 = process.hrtime.bigint();
        if (batch) await restoreBatch(store, ids);
        else for (const id of ids) await restoreItem(store, id, { reason: 'benchmark' });
        const back = elapsed(t0);
        return { away, back };
      } finally {
        store.close();
        rmSync(stateDir, { recursive: true, force: true });
      }
    },
  };
}

async function quarantineEach(store: QuarantineStore, requests: readonly QuarantineRequest[]): Promise<string[]> {
  const ids: string[] = [];
  for (const r of requests) {
    const { item, originalRemoved } = await store.quarantine(r);
    if (!originalRemoved) throw new BenchError(`epq left ${r.path} in place`);
    ids.push(item.id);
  }
  return ids;
}

async function quarantineBatch(store: QuarantineStore, requests: readonly QuarantineRequest[]): Promise<string[]> {
  const results = await store.quarantineMany(requests);
  return results.map((r, i) => {
    if (!r.ok) throw new BenchError(`epq could not quarantine ${requests[i]!.path}: ${r.error.message}`);
    if (!r.outcome.originalRemoved) throw new BenchError(`epq left ${requests[i]!.path} in place`);
    return r.outcome.item.id;
  });
}

async function restoreBatch(store: QuarantineStore, ids: readonly string[]): Promise<void> {
  const results = await restoreMany(store, ids, { reason: 'benchmark' });
  const failed = results.find((r) => !r.ok);
  if (failed && !failed.ok) throw new BenchError(`epq could not restore ${failed.id}: ${failed.error.message}`);
}
