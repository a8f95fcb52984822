import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Detection } from '../../scanner/types.js';
import { basenameFsPath, dirnameFsPath, type FsPath } from '../fs-path.js';
import { IGNORE_EVENTS, type EventSink } from '../events/agent-event.js';
import { isRegularFile, statEntry, unlinkEntry } from '../safe-fs/folder-entries.js';
import { withFolderBeneath } from '../safe-fs/open-folder-beneath.js';
import { openDatabase, type Db } from '../store/open-database.js';
import { loadOrCreateKey } from './key-file.js';
import { listPackageFiles } from './orphan-packages.js';
import type { FolderIdentity } from './original-file.js';
import { quarantineBatch, type QuarantineResult } from './quarantine-batch.js';
import type { QuarantineItem } from './quarantine-item.js';
import { QuarantineRecords } from './quarantine-records.js';
import { NO_SIDE_EFFECTS, type SideEffectPort } from './side-effect-port.js';

export type { QuarantineResult } from './quarantine-batch.js';

export interface QuarantineStoreOptions {
  readonly stateDir: string;
  /** Filesystem root prefix: system paths are resolved under it. */
  readonly root: string;
  readonly computer: string;
  readonly userNameOf: (uid: number) => string;
  readonly sideEffects?: SideEffectPort;
  readonly events?: EventSink;
  /** Only reads are wanted (`quarantine list`): on a full disk the database is opened read-only. */
  readonly readOnly?: boolean;
}

export interface QuarantineRequest {
  /** System path of the detected file, exact (bytes when its name is not valid UTF-8). */
  readonly path: FsPath;
  readonly detections: readonly Detection[];
  readonly definitionsSequence: number;
  /** Companion files the signature metadata names. */
  readonly companions?: readonly string[];
  /** dev/ino of the file that was scanned: refuse if the path now points elsewhere. */
  readonly expected?: { readonly dev: number; readonly ino: number };
}

export interface QuarantineOutcome {
  readonly item: QuarantineItem;
  /** False when the original changed after it was read, so it was left in place. */
  readonly originalRemoved: boolean;
}

/**
 * The local quarantine: records in SQLite, contents in AES-256-GCM blobs. Moving a file in never
 * loses it: encrypted copy and record made durable -> original removed only if still the same
 * file (see `quarantineMany`). `recoverStore` (run at open) finishes or rolls back whatever a
 * crash interrupted.
 */
export class QuarantineStore {
  readonly db: Db;
  readonly records: QuarantineRecords;
  readonly blobDir: string;
  readonly key: Buffer;
  readonly root: string;
  readonly sideEffects: SideEffectPort;
  readonly events: EventSink;

  /**
   * Opens (creating) the store under `stateDir`; run `recoverStore` on it before anything else.
   * @throws DatabaseError or QuarantineError naming the file that is unusable.
   */
  constructor(readonly options: QuarantineStoreOptions) {
    const dir = join(options.stateDir, 'quarantine');
    this.blobDir = join(dir, 'blobs');
    mkdirSync(this.blobDir, { recursive: true, mode: 0o700 });
    this.key = loadOrCreateKey(join(dir, 'key'), () => listPackageFiles(this.blobDir).length);
    this.db = openDatabase(join(options.stateDir, 'agent.db'), { readOnly: options.readOnly === true });
    this.records = new QuarantineRecords(this.db);
    this.root = options.root;
    this.sideEffects = options.sideEffects ?? NO_SIDE_EFFECTS;
    this.events = options.events ?? IGNORE_EVENTS;
  }

  close(): void {
    this.db.close();
  }

  blobPath(id: string): string {
    return join(this.blobDir, `${id}.epqq`);
  }

  /**
   * Where a package is written before its record exists. The writer's pid is in the name so that
   * another process's recovery (a CLI command while the agent runs) leaves it alone.
   */
  tempBlobPath(id: string): string {
    return join(this.blobDir, `${id}.${process.pid}.tmp`);
  }

  /**
   * Moves a detected file and its side effects into quarantine: `quarantineMany` of one.
   * @throws QuarantineError: `malformed` (escapes the root), `missing` (gone), `type` (not a
   *   regular file, or a symlink swapped in), `changed` (not the file that was scanned),
   *   `internal` (I/O failure; nothing lost).
   */
  async quarantine(request: QuarantineRequest): Promise<QuarantineOutcome> {
    const [result] = await this.quarantineMany([request]);
    if (!result!.ok) throw result!.error;
    return result!.outcome;
  }

  /**
   * Moves many detected files into quarantine (a scan's detections, a burst from the agent) with
   * a handful of fsync rounds for the lot instead of several per file. Per chunk of items:
   * 1. each original is encrypted into `blobs/<id>.<pid>.tmp` (O_EXCL); nothing else is touched;
   * 2. every temp blob and the blob folder are fsynced concurrently (ext4 makes concurrent
   *    fsyncs durable in one journal commit), while
   * 3. one durable commit inserts every record as `stored`;
   * 4. each original is unlinked if it is still the file that was copied, and each distinct
   *    parent folder is fsynced once;
   * 5. the temp blob is renamed to `<id>.epqq`;
   * 6. side effects are removed, and what was removed committed durably (only if there were
   *    any: removed again by recovery, an entry would be found gone and not put back later);
   * 7. one lazy (not fsynced) commit marks the items `complete`.
   * Crash-safe at every point: before 4 the originals are untouched; recovery deletes the
   * unrecorded temp blobs of dead processes, and checks a recorded package whole (GCM tag and SHA-256) before it
   * removes an original, dropping the record instead when the package did not reach the disk
   * whole. Once 2 and 3 are done, the package is durable before the original's removal can be,
   * so recovery publishes a recorded `.tmp` and redoes 4-7 (each idempotent) for an item still
   * `stored`.
   * Never throws: one result per request, in order. A failed item is untouched (its original in
   * place), unless the failure came after its original was removed: then it is recorded, the
   * next start finishes it, and the error says so.
   */
  quarantineMany(requests: readonly QuarantineRequest[]): Promise<QuarantineResult[]> {
    return quarantineBatch(this, requests);
  }

  /**
   * Unlinks the original if the path still names the file that was copied (same device, inode,
   * size and mtime to the nanosecond); the caller fsyncs its folder. `gone` when it had already
   * disappeared. Its folder is opened beneath the root without following a link a user could
   * have planted (and, when `folder` is given, must be the very folder it was read from); the
   * check and the unlink are both made relative to that open folder, so a folder swapped for a
   * symlink in between can't make root delete a file elsewhere.
   * @throws UnsafePathError (a symlinked folder on the way; nothing removed), or the system
   *   error of open, fstatat or unlinkat other than ENOENT (EACCES, EPERM, EBUSY, ...).
   */
  removeOriginal(real: FsPath, copied: OriginalIdentity, folder?: FolderIdentity): 'removed' | 'gone' | 'changed' {
    const name = basenameFsPath(real);
    try {
      return withFolderBeneath(this.root, dirnameFsPath(real), (dir) => {
        if (folder && (dir.dev !== folder.dev || dir.ino !== folder.ino)) return 'changed';
        const now = statEntry(dir, name);
        if (now === undefined) return 'gone';
        if (!isRegularFile(now) || now.dev !== BigInt(copied.dev) || now.ino !== BigInt(copied.ino) || now.size !== copied.size || now.mtimeNs !== copied.mtimeNs) {
          return 'changed';
        }
        unlinkEntry(dir, name);
        return 'removed';
      });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return 'gone';
      throw err;
    }
  }
}

/** What identifies the copied original: it is removed only while its name still points at it. */
export interface OriginalIdentity {
  readonly dev: number;
  readonly ino: number;
  readonly size: number;
  readonly mtimeNs: bigint;
}
