import { dirname } from 'node:path';
import { hashFile, sha256Hex } from './file-record.js';
import { createFileExclusive, createMissingFolders, isRoot, removeFolders, unlinkFileSafely } from './file-writes.js';
import type { AppliedStep, RestoreStep } from './restore-step.js';
import { lstatIfExists, resolveEntryInRoot } from './rooted-path.js';
import { SideEffectFileError, SideEffectPathError } from './side-effect-errors.js';
import type { FileSideEffect, SideEffectContents } from './side-effect.js';

type FilePlan = { kind: 'conflict'; reason: string } | { kind: 'present' } | { kind: 'create'; entryPath: string; bytes: Uint8Array };

/**
 * The restore step of a whole file: recreated with its bytes, mode, times and (when running as
 * root) owner, never over an existing entry. An existing file with the very same bytes counts as
 * restored.
 */
export function makeFileStep(realRoot: string, effect: FileSideEffect, contents: SideEffectContents): RestoreStep {
  return {
    path: effect.path,
    async check() {
      const plan = await planFile(realRoot, effect, contents);
      return plan.kind === 'conflict' ? plan.reason : undefined;
    },
    async apply(): Promise<AppliedStep> {
      const plan = await planFile(realRoot, effect, contents);
      if (plan.kind === 'conflict') throw new SideEffectFileError(effect.path, plan.reason);
      if (plan.kind === 'present') return { results: [{ effect, placement: 'already-present' }], undo: async () => undefined };
      return createFile(effect, plan.entryPath, plan.bytes);
    },
  };
}

async function planFile(realRoot: string, effect: FileSideEffect, contents: SideEffectContents): Promise<FilePlan> {
  const bytes = contents.get(effect.sha256);
  if (bytes === undefined) return { kind: 'conflict', reason: 'the packaged bytes of this file are missing' };
  if (bytes.length !== effect.size || sha256Hex(bytes) !== effect.sha256) {
    return { kind: 'conflict', reason: 'the packaged bytes do not match the recorded size and SHA-256' };
  }
  let entryPath: string;
  try {
    entryPath = (await resolveEntryInRoot(realRoot, effect.path)).entryPath;
  } catch (err) {
    if (err instanceof SideEffectPathError) return { kind: 'conflict', reason: err.reason };
    throw err;
  }
  const existing = await lstatIfExists(entryPath);
  if (existing === undefined) return { kind: 'create', entryPath, bytes };
  if (existing.isSymbolicLink()) return { kind: 'conflict', reason: 'a symbolic link is in its place; will not overwrite it' };
  if (!existing.isFile()) return { kind: 'conflict', reason: 'something that is not a regular file is in its place' };
  if (existing.size === effect.size && (await hashFile(entryPath)) === effect.sha256) return { kind: 'present' };
  return { kind: 'conflict', reason: 'a different file already exists there; will not overwrite it' };
}

async function createFile(effect: FileSideEffect, entryPath: string, bytes: Uint8Array): Promise<AppliedStep> {
  const folders = await createMissingFolders(dirname(entryPath));
  const shape = {
    mode: effect.mode,
    ...(isRoot() ? { owner: { uid: effect.uid, gid: effect.gid } } : {}),
    atimeMs: effect.atimeMs,
    mtimeMs: effect.mtimeMs,
    // Recorded since nanosecond times came; older records carry milliseconds only.
    ...(effect.atimeNs !== undefined && { atimeNs: BigInt(effect.atimeNs) }),
    ...(effect.mtimeNs !== undefined && { mtimeNs: BigInt(effect.mtimeNs) }),
  };
  try {
    await createFileExclusive(entryPath, bytes, shape);
  } catch (err) {
    await removeFolders(folders);
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new SideEffectFileError(effect.path, 'a file appeared in its place meanwhile; will not overwrite it', { cause: err });
    throw err;
  }
  const created = await lstatIfExists(entryPath);
  return {
    results: [{ effect, placement: 'created' }],
    async undo() {
      // Only our own file goes away: something else put there since is not ours to delete.
      if (created !== undefined) await unlinkFileSafely(entryPath, created).catch(() => false);
      await removeFolders(folders);
    },
  };
}
