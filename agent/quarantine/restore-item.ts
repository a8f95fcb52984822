import { createHash } from 'node:crypto';
import { closeSync, constants, existsSync, fchownSync, fchmodSync, fsyncSync, futimesSync, linkSync, mkdirSync, openSync, rmdirSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { faultPoint } from './fault-injection.js';
import { fsyncDir } from './fsync-dir.js';
import { readPackage } from './package-parts.js';
import { QuarantineError } from './quarantine-errors.js';
import type { QuarantineItem, SampleState } from './quarantine-item.js';
import type { QuarantineStore } from './quarantine-store.js';
import { chooseRestoreTarget } from './restore-target.js';

export interface RestoreOptions {
  /** Restore into this folder instead of the original place. */
  readonly to?: string;
  /** Pick a free name beside an occupied target instead of refusing. */
  readonly rename?: boolean;
  /** State to record: `misfired` when new definitions cleared it, else unchanged. */
  readonly state?: SampleState;
  /** Why, for the event ("restored by user", "no longer detected by sequence 9"). */
  readonly reason: string;
}

export interface RestoreOutcome {
  readonly id: string;
  readonly path: string;
  readonly notes: readonly string[];
}

/** Temp name of a restore in progress; recovery derives it from the recorded target. */
export function restoreTempPath(target: string, id: string): string {
  return join(dirname(target), `.epq-restore-${id}.tmp`);
}

/**
 * Restores an item and its side effects, all or nothing. The content is decrypted to a temp
 * file beside the target and checked (tag and SHA-256) before anything is put in place; the
 * target is created with link(2), which never overwrites; owner, mode and times are set first.
 * @throws QuarantineError: `occupied`, `malformed` (escape), `content` (checksum; item kept),
 *   `missing` (no such item/package), `internal`.
 */
export async function restoreItem(store: QuarantineStore, id: string, options: RestoreOptions): Promise<RestoreOutcome> {
  const item = store.records.get(id);
  if (!item || (item.phase !== 'complete' && item.phase !== 'stored')) {
    throw new QuarantineError('missing', `no quarantined item ${id}`, { id });
  }
  const target = chooseRestoreTarget(store.root, item, options.to, options.rename ?? false);
  const createdDirs = makeParents(dirname(target.path));
  if (!store.records.beginRestore(id, target.path)) throw new QuarantineError('internal', `item ${id} is busy`, { id });
  faultPoint('restore:after-intent');
  const tmp = restoreTempPath(target.path, id);
  let contents: (Buffer | undefined)[];
  try {
    contents = writeVerifiedCopy(store, item, tmp);
    faultPoint('restore:after-temp-write');
    const conflicts = await store.sideEffects.check(item.sideEffects, contents);
    if (conflicts.length > 0) throw new QuarantineError('occupied', `side effects can't be restored: ${conflicts.join('; ')}`, { id });
    linkSync(tmp, target.path);
  } catch (err) {
    abandonRestore(store, item, tmp, createdDirs, err);
    throw err instanceof QuarantineError ? err : new QuarantineError('internal', `restore of ${id} failed: ${(err as Error).message}`, { id, path: target.path }, { cause: err });
  }
  unlinkSync(tmp);
  fsyncDir(dirname(target.path));
  faultPoint('restore:after-link');
  let notes: string[];
  try {
    notes = await store.sideEffects.restore(item.sideEffects, contents);
  } catch (err) {
    unlinkSync(target.path);
    abandonRestore(store, item, tmp, createdDirs, err);
    throw new QuarantineError('internal', `restore of ${id} undone: ${(err as Error).message}`, { id, path: target.path }, { cause: err });
  }
  faultPoint('restore:after-side-effects');
  finishRestore(store, item, options.state ?? item.state);
  store.events({
    name: 'restored',
    severity: 'info',
    message: `${item.originalPath} restored to ${target.path} (${options.reason})`,
    data: { id, path: target.path, reason: options.reason, sideEffects: notes },
  });
  return { id, path: target.path, notes };
}

/** Writes the decrypted file to `tmp` with its owner, mode and times, fsynced; returns side-effect bytes. */
function writeVerifiedCopy(store: QuarantineStore, item: QuarantineItem, tmp: string): (Buffer | undefined)[] {
  const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  try {
    const hash = createHash('sha256');
    const contents = readPackage(store.blobPath(item.id), store.key, item, (chunk) => {
      hash.update(chunk);
      for (let off = 0; off < chunk.length; ) off += writeSync(fd, chunk, off);
    });
    const sha256 = hash.digest('hex');
    if (sha256 !== item.sha256) {
      throw new QuarantineError('content', `content checksum of ${item.id} does not match (expected ${item.sha256}, got ${sha256}); item kept`, { id: item.id });
    }
    if (process.getuid?.() === 0) fchownSync(fd, item.uid, item.gid);
    fchmodSync(fd, item.mode);
    futimesSync(fd, item.atimeMs / 1000, item.mtimeMs / 1000);
    fsyncSync(fd);
    return contents;
  } finally {
    closeSync(fd);
  }
}

function finishRestore(store: QuarantineStore, item: QuarantineItem, state: SampleState): void {
  store.records.markRestored(item.id, state);
  try {
    unlinkSync(store.blobPath(item.id));
  } catch {
    // Already gone: the record says restored, which is what matters.
  }
}

function abandonRestore(store: QuarantineStore, item: QuarantineItem, tmp: string, createdDirs: string[], err: unknown): void {
  if (existsSync(tmp)) unlinkSync(tmp);
  for (const dir of createdDirs.reverse()) {
    try {
      rmdirSync(dir);
    } catch {
      break;
    }
  }
  store.records.setPhase(item.id, 'complete');
  const word = err instanceof QuarantineError ? err.word : 'internal';
  store.records.addError(item.id, { word, message: (err as Error).message });
  store.events({ name: 'restore failed', severity: 'error', message: `restore of ${item.originalPath} failed: ${(err as Error).message}`, data: { id: item.id, word } });
}

/** mkdir -p that remembers what it created, so a failed restore leaves no new folders. */
function makeParents(dir: string): string[] {
  const missing: string[] = [];
  for (let d = dir; !existsSync(d); d = dirname(d)) missing.unshift(d);
  for (const d of missing) mkdirSync(d, { mode: 0o755 });
  return missing;
}
