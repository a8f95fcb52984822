import { unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createFileExclusive, createMissingFolders, isRoot, removeFolders } from './file-writes.js';
import { withFileLock } from './file-lock.js';
import { encodeLines, loadLineFile, nextEditMtimeMs, rewriteLineFile, type LineFile } from './line-file.js';
import { placeLines, type PlacedLine } from './place-lines.js';
import { lockKey } from './remove-side-effects.js';
import type { AppliedStep, RestoreResult, RestoreStep } from './restore-step.js';
import { lstatIfExists } from './rooted-path.js';
import { SideEffectFileError, SideEffectPathError } from './side-effect-errors.js';
import type { LineSideEffect } from './side-effect.js';

/**
 * The restore step of all the lines recorded for one file, of one item or many. They go back in
 * one atomic rewrite at their recorded positions, given the lines of that file other items still
 * hold (`held`; see `placeLines` for the fallback); a file that is gone is created again with the
 * recorded mode (and owner, as root) to hold them. `effects` is read when the step runs, so the
 * caller may still add to it after making the step.
 */
export function makeLinesStep(realRoot: string, systemPath: string, effects: readonly LineSideEffect[], held: readonly LineSideEffect[] = []): RestoreStep {
  const key = lockKey(realRoot, systemPath);
  return {
    path: systemPath,
    async check() {
      try {
        await loadLineFile(realRoot, systemPath);
        return undefined;
      } catch (err) {
        if (err instanceof SideEffectPathError || err instanceof SideEffectFileError) return err.reason;
        throw err;
      }
    },
    apply: () => withFileLock(key, async (): Promise<AppliedStep> => {
      const file = await loadLineFile(realRoot, systemPath);
      const { lines, placed } = placeLines(file.lines.map((l) => ({ ...l })), effects, held);
      const results = placed.map((p) => lineResult(p, lines.indexOf(p.line), file.stat === undefined));
      if (placed.every((p) => p.placement === 'already-present')) return { results, undo: async () => undefined };
      const bytes = encodeLines(lines);
      const undo = file.stat === undefined ? await createLineFile(file, bytes, effects[0]!) : await rewriteWithUndo(realRoot, file, bytes);
      return { results, undo: () => withFileLock(key, undo) };
    }),
  };
}

function lineResult(p: PlacedLine, lineIndex: number, fileCreated: boolean): RestoreResult {
  return { effect: p.effect, placement: p.placement, lineIndex, fileCreated, ...(p.fallback !== undefined && { fallback: p.fallback }) };
}

async function rewriteWithUndo(realRoot: string, file: LineFile, bytes: Buffer): Promise<() => Promise<void>> {
  // mtime becomes now: cron and shells notice a changed file by its mtime, and must see the line.
  await rewriteLineFile(file, bytes, nextEditMtimeMs(file.stat!.mtimeMs));
  const original = file.stat!;
  return async () => {
    const current = await loadLineFile(realRoot, file.rooted.systemPath);
    if (!current.bytes.equals(bytes)) {
      throw new SideEffectFileError(file.rooted.systemPath, 'changed again since the restore; not rolled back');
    }
    // Undo puts the file back exactly as the restore found it, times included (cron compares
    // mtimes for inequality, so going back to the older one is still seen as a change).
    await rewriteLineFile(current, file.bytes, original.mtimeMs, original.atimeMs);
  };
}

async function createLineFile(file: LineFile, bytes: Buffer, recorded: LineSideEffect): Promise<() => Promise<void>> {
  const path = file.rooted.realPath;
  const folders = await createMissingFolders(dirname(path));
  const now = Date.now();
  const shape = {
    mode: recorded.fileMode,
    ...(isRoot() ? { owner: { uid: recorded.fileUid, gid: recorded.fileGid } } : {}),
    atimeMs: now,
    mtimeMs: now,
  };
  try {
    await createFileExclusive(path, bytes, shape);
  } catch (err) {
    await removeFolders(folders);
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new SideEffectFileError(file.rooted.systemPath, 'the file appeared meanwhile; will not overwrite it', { cause: err });
    }
    throw err;
  }
  const created = await lstatIfExists(path);
  return async () => {
    const current = await lstatIfExists(path);
    if (current !== undefined && created !== undefined && current.ino === created.ino && current.dev === created.dev) await unlink(path);
    await removeFolders(folders);
  };
}
