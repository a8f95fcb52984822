import { lstat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { hashFile } from './file-record.js';
import { withFileLock } from './file-lock.js';
import { syncFolder, unlinkFileSafely } from './file-writes.js';
import { buildFrame, positionAt } from './line-frame.js';
import { findNearestLine, type EditableLine } from './line-edit.js';
import { encodeLines, loadLineFile, nextEditMtimeMs, rewriteLineFile, type LineFile } from './line-file.js';
import { checkSystemPath, lstatIfExists, resolveEntryInRoot, resolveRoot } from './rooted-path.js';
import type { FileSideEffect, LineSideEffect, SideEffect } from './side-effect.js';

/**
 * What happened to one side effect: `removed`; `changed` (the file is no longer the one that was
 * found, so it was left alone); `gone` (nothing left to remove); `failed` (an error, in `reason`).
 */
export type RemoveStatus = 'removed' | 'changed' | 'gone' | 'failed';

export interface RemoveResult {
  /** The effect; for a removed line, with its `position` (what a restore needs to put it back). */
  readonly effect: SideEffect;
  readonly status: RemoveStatus;
  /** Why it was not removed. */
  readonly reason?: string;
  /** For a removed line: the index it was really found at (it may have moved). */
  readonly lineIndex?: number;
  readonly error?: unknown;
}

/**
 * Removes found side effects from the system, one result per effect in the same order: the
 * `removeSideEffectsMany` of one group.
 * @throws SideEffectPathError only when the root itself is unusable.
 */
export async function removeSideEffects(root: string, effects: readonly SideEffect[], held: readonly LineSideEffect[] = []): Promise<RemoveResult[]> {
  return (await removeSideEffectsMany(root, [effects], held))[0]!;
}

/**
 * Removes the side effects of many detections at once, one result list per group, each in the
 * order given. A file is unlinked only if it still has the recorded size and SHA-256; a file two
 * groups share is removed for the first and `gone` for the next. The lines of one file, of every
 * group, are taken out in a single atomic rewrite (one at a time per file in this process) that
 * keeps the file's mode, owner and atime and moves its mtime to another second, so that cron
 * reloads it. A line is found again as the identical line nearest its recorded index, and only
 * once: a line two groups both recorded is removed for the first and `gone` for the other.
 * Each removed line gets its `position` in the frame formed by the file and `held` (the removed
 * lines of every other item still in quarantine, see `LinePosition`).
 * Problems with one effect never stop the others.
 * @throws SideEffectPathError only when the root itself is unusable.
 */
export async function removeSideEffectsMany(root: string, groups: readonly (readonly SideEffect[])[], held: readonly LineSideEffect[]): Promise<RemoveResult[][]> {
  const realRoot = await resolveRoot(root);
  const results = groups.map((g) => new Array<RemoveResult>(g.length));
  const linesByPath = new Map<string, Slot[]>();
  for (const [g, group] of groups.entries()) {
    for (const [i, effect] of group.entries()) {
      if (effect.kind === 'file') results[g]![i] = await withFileLock(lockKey(realRoot, effect.path), () => removeFileEffect(realRoot, effect));
      else {
        const key = normalOrRaw(effect.path);
        linesByPath.set(key, [...(linesByPath.get(key) ?? []), { effect, g, i }]);
      }
    }
  }
  for (const [path, slots] of linesByPath) {
    const onPath = held.filter((h) => normalOrRaw(h.path) === path);
    const done = await withFileLock(lockKey(realRoot, path), () => removeLinesOfFile(realRoot, slots.map((s) => s.effect), onPath));
    slots.forEach((s, k) => (results[s.g]![s.i] = done[k]!));
  }
  return results;
}

interface Slot {
  readonly effect: LineSideEffect;
  readonly g: number;
  readonly i: number;
}

async function removeFileEffect(realRoot: string, effect: FileSideEffect): Promise<RemoveResult> {
  try {
    const { entryPath } = await resolveEntryInRoot(realRoot, effect.path);
    const before = await lstatIfExists(entryPath);
    if (before === undefined) return gone(effect);
    if (!before.isFile()) return { effect, status: 'changed', reason: 'no longer a regular file' };
    if (before.size !== effect.size) return { effect, status: 'changed', reason: `its size is now ${before.size} bytes, was ${effect.size}` };
    if ((await hashFile(entryPath)) !== effect.sha256) return { effect, status: 'changed', reason: 'its content changed since it was found' };
    const after = await lstat(entryPath);
    if (after.ino !== before.ino || after.dev !== before.dev || after.size !== before.size || after.mtimeMs !== before.mtimeMs) {
      return { effect, status: 'changed', reason: 'it changed while being checked' };
    }
    if (!(await unlinkFileSafely(entryPath, after))) return { effect, status: 'changed', reason: 'it changed while being checked' };
    await syncFolder(dirname(entryPath));
    return { effect, status: 'removed' };
  } catch (err) {
    // Another detection that shares the file (one unit for two programs) took it meanwhile.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return gone(effect);
    return { effect, status: 'failed', reason: (err as Error).message, error: err };
  }
}

function gone(effect: FileSideEffect): RemoveResult {
  return { effect, status: 'gone', reason: 'the file no longer exists' };
}

async function removeLinesOfFile(realRoot: string, effects: readonly LineSideEffect[], held: readonly LineSideEffect[]): Promise<RemoveResult[]> {
  let file: LineFile;
  try {
    file = await loadLineFile(realRoot, effects[0]!.path);
  } catch (err) {
    return effects.map((effect) => ({ effect, status: 'failed', reason: (err as Error).message, error: err }));
  }
  if (file.stat === undefined) return effects.map((effect) => ({ effect, status: 'gone', reason: 'the file no longer exists' }));
  const claimed = claimLines(file.lines, effects);
  const frame = buildFrame(file.lines, held);
  const results = effects.map((effect, k): RemoveResult => {
    const line = claimed[k];
    if (line === undefined) return { effect, status: 'gone', reason: 'the line is no longer in the file' };
    const index = frame.slots.findIndex((s) => s.kind === 'present' && s.line === line);
    return { effect: { ...effect, position: positionAt(frame.slots, index) }, status: 'removed', lineIndex: file.lines.indexOf(line) };
  });
  if (!results.some((r) => r.status === 'removed')) return results;
  try {
    await rewriteLineFile(file, encodeLines(file.lines.filter((l) => !l.claimed)), nextEditMtimeMs(file.stat.mtimeMs));
    return results;
  } catch (err) {
    return results.map((r, k) => (r.status === 'removed' ? { effect: effects[k]!, status: 'failed', reason: (err as Error).message, error: err } : r));
  }
}

/** The line each effect takes (marking it claimed), in recorded index order; undefined when gone. */
function claimLines(lines: EditableLine[], effects: readonly LineSideEffect[]): (EditableLine | undefined)[] {
  const claimed: (EditableLine | undefined)[] = new Array(effects.length);
  const order = effects.map((_, k) => k).sort((a, b) => effects[a]!.lineIndex - effects[b]!.lineIndex);
  for (const k of order) {
    const effect = effects[k]!;
    const at = findNearestLine(lines, effect.line, effect.lineIndex);
    if (at === -1) continue;
    lines[at]!.claimed = true;
    claimed[k] = lines[at];
  }
  return claimed;
}

/** The lock of a file, by its normalised system path under the real root. */
export function lockKey(realRoot: string, systemPath: string): string {
  return `${realRoot}\0${normalOrRaw(systemPath)}`;
}

/** The normalised system path, or the path as given when it is malformed (reported later). */
export function normalOrRaw(path: string): string {
  try {
    return checkSystemPath(path);
  } catch {
    return path;
  }
}
