import { lstat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { hashFile } from './file-record.js';
import { syncFolder, unlinkFileSafely } from './file-writes.js';
import { findNearestLine } from './line-edit.js';
import { encodeLines, loadLineFile, rewriteLineFile, type LineFile } from './line-file.js';
import { lstatIfExists, resolveEntryInRoot, resolveRoot } from './rooted-path.js';
import type { FileSideEffect, LineSideEffect, SideEffect } from './side-effect.js';

/**
 * What happened to one side effect: `removed`; `changed` (the file is no longer the one that was
 * found, so it was left alone); `gone` (nothing left to remove); `failed` (an error, in `reason`).
 */
export type RemoveStatus = 'removed' | 'changed' | 'gone' | 'failed';

export interface RemoveResult {
  readonly effect: SideEffect;
  readonly status: RemoveStatus;
  /** Why it was not removed. */
  readonly reason?: string;
  /** For a removed line: the index it was really found at (it may have moved). */
  readonly lineIndex?: number;
  readonly error?: unknown;
}

/**
 * Removes found side effects from the system, one result per effect in the same order. A file is
 * unlinked only if it still has the recorded size and SHA-256. The lines of one file are taken
 * out in a single atomic rewrite that keeps the file's mode, owner and atime and sets mtime to
 * now, so that cron reloads a crontab; a line that moved is found again as the identical line
 * nearest its recorded index. Problems with one effect never stop the others.
 * @throws SideEffectPathError only when the root itself is unusable.
 */
export async function removeSideEffects(root: string, effects: readonly SideEffect[]): Promise<RemoveResult[]> {
  const realRoot = await resolveRoot(root);
  const results = new Map<SideEffect, RemoveResult>();
  const linesByPath = new Map<string, LineSideEffect[]>();
  for (const effect of effects) {
    if (effect.kind === 'file') results.set(effect, await removeFileEffect(realRoot, effect));
    else linesByPath.set(effect.path, [...(linesByPath.get(effect.path) ?? []), effect]);
  }
  for (const group of linesByPath.values()) {
    for (const result of await removeLinesOfFile(realRoot, group)) results.set(result.effect, result);
  }
  return effects.map((e) => results.get(e)!);
}

async function removeFileEffect(realRoot: string, effect: FileSideEffect): Promise<RemoveResult> {
  try {
    const { entryPath } = await resolveEntryInRoot(realRoot, effect.path);
    const before = await lstatIfExists(entryPath);
    if (before === undefined) return { effect, status: 'gone', reason: 'the file no longer exists' };
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
    return { effect, status: 'failed', reason: (err as Error).message, error: err };
  }
}

async function removeLinesOfFile(realRoot: string, group: readonly LineSideEffect[]): Promise<RemoveResult[]> {
  let file: LineFile;
  try {
    file = await loadLineFile(realRoot, group[0]!.path);
  } catch (err) {
    return group.map((effect) => ({ effect, status: 'failed', reason: (err as Error).message, error: err }));
  }
  if (file.stat === undefined) return group.map((effect) => ({ effect, status: 'gone', reason: 'the file no longer exists' }));
  const results: RemoveResult[] = [];
  for (const effect of [...group].sort((a, b) => a.lineIndex - b.lineIndex)) {
    const at = findNearestLine(file.lines, effect.line, effect.lineIndex);
    if (at === -1) {
      results.push({ effect, status: 'gone', reason: 'the line is no longer in the file' });
      continue;
    }
    file.lines[at]!.claimed = true;
    results.push({ effect, status: 'removed', lineIndex: at });
  }
  if (!results.some((r) => r.status === 'removed')) return results;
  try {
    await rewriteLineFile(file, encodeLines(file.lines.filter((l) => !l.claimed)), Date.now());
    return results;
  } catch (err) {
    return results.map((r) => (r.status === 'removed' ? { effect: r.effect, status: 'failed', reason: (err as Error).message, error: err } : r));
  }
}
