import { createHash, randomBytes } from 'node:crypto';
import { closeSync, constants, fstatSync, fsyncSync, lstatSync, mkdirSync, openSync, readSync, renameSync, unlinkSync, writeSync, type Stats } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Detection } from '../../scanner/types.js';
import { IGNORE_EVENTS, type EventSink } from '../events/agent-event.js';
import { openDatabase, type Db } from '../store/open-database.js';
import { faultPoint } from './fault-injection.js';
import { loadOrCreateKey } from './key-file.js';
import { PackageEncryptor } from './package-cipher.js';
import { QuarantineError } from './quarantine-errors.js';
import type { QuarantineItem, StoredSideEffect } from './quarantine-item.js';
import { QuarantineRecords } from './quarantine-records.js';
import { NO_SIDE_EFFECTS, type CapturedSideEffect, type SideEffectPort } from './side-effect-port.js';
import { resolveUnderRoot } from './system-path.js';
import { fsyncDir } from './fsync-dir.js';

export interface QuarantineStoreOptions {
  readonly stateDir: string;
  /** Filesystem root prefix: system paths are resolved under it. */
  readonly root: string;
  readonly computer: string;
  readonly userNameOf: (uid: number) => string;
  readonly sideEffects?: SideEffectPort;
  readonly events?: EventSink;
}

export interface QuarantineRequest {
  /** System path of the detected file. */
  readonly path: string;
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
 * loses it: intent recorded -> encrypted copy written and fsynced -> record committed ->
 * original removed only if still the same file. `recover()` (run at open) finishes or rolls
 * back whatever a crash interrupted.
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
   * Opens (creating) the store under `stateDir` and recovers interrupted operations.
   * @throws DatabaseError or QuarantineError naming the file that is unusable.
   */
  constructor(readonly options: QuarantineStoreOptions) {
    const dir = join(options.stateDir, 'quarantine');
    this.blobDir = join(dir, 'blobs');
    mkdirSync(this.blobDir, { recursive: true, mode: 0o700 });
    this.key = loadOrCreateKey(join(dir, 'key'));
    this.db = openDatabase(join(options.stateDir, 'agent.db'));
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
   * Moves a detected file and its side effects into quarantine.
   * @throws QuarantineError: `missing` (gone), `type` (not a regular file, or a symlink swapped
   *   in), `changed` (not the file that was scanned), `internal` (I/O failure; nothing lost).
   */
  async quarantine(request: QuarantineRequest): Promise<QuarantineOutcome> {
    const real = resolveUnderRoot(this.root, request.path);
    const fd = openOriginal(real, request.path);
    let id: string;
    let stat: Stats;
    let captured: readonly CapturedSideEffect[];
    try {
      stat = fstatSync(fd);
      if (!stat.isFile()) throw new QuarantineError('type', `${request.path} is not a regular file`, { path: request.path });
      if (request.expected && (request.expected.dev !== stat.dev || request.expected.ino !== stat.ino)) {
        throw new QuarantineError('changed', `${request.path} was replaced after it was scanned; scan it again`, { path: request.path });
      }
      captured = await this.sideEffects.find(request.path, request.companions ?? []);
      id = randomBytes(8).toString('hex');
      this.records.insertIntent({
        id,
        fileName: basename(request.path),
        originalPath: request.path,
        size: stat.size,
        sha256: '',
        dev: stat.dev,
        ino: stat.ino,
        mode: stat.mode & 0o7777,
        uid: stat.uid,
        gid: stat.gid,
        atimeMs: stat.atimeMs,
        mtimeMs: stat.mtimeMs,
        userName: this.options.userNameOf(stat.uid),
        computer: this.options.computer,
        quarantinedAt: new Date().toISOString(),
        virusName: request.detections[0]?.signature ?? 'unknown',
        detections: request.detections,
        definitionsSequence: request.definitionsSequence,
        status: 'Quarantined',
        state: 'infected',
        sideEffects: captured.map((c) => c.effect),
      });
      faultPoint('quarantine:after-intent');
      const written = this.writePackage(id, fd, captured);
      this.records.markStored(id, written.size, written.sha256, written.packageSize);
      faultPoint('quarantine:after-commit');
    } finally {
      closeSync(fd);
    }
    const removed = this.removeOriginal(id, real, stat);
    faultPoint('quarantine:after-unlink');
    await this.finishSideEffects(id, captured);
    faultPoint('quarantine:after-side-effects');
    this.records.setPhase(id, 'complete');
    const item = this.records.get(id)!;
    this.events({
      name: 'quarantined',
      severity: 'warning',
      message: `${request.path} quarantined (${item.virusName})${removed ? '' : '; the original changed meanwhile and was left in place'}`,
      data: { id, path: request.path, virus: item.virusName, sequence: request.definitionsSequence, sideEffects: captured.length },
    });
    return { item, originalRemoved: removed };
  }

  /** Streams original + side-effect bytes through the cipher into a temp blob, then publishes it. */
  private writePackage(id: string, fd: number, captured: readonly CapturedSideEffect[]): { size: number; sha256: string; packageSize: number } {
    const tmp = join(this.blobDir, `${id}.tmp`);
    const out = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
    const hash = createHash('sha256');
    const enc = new PackageEncryptor(this.key, id);
    let size = 0;
    let packageSize = 0;
    const write = (b: Buffer): void => {
      for (let off = 0; off < b.length; ) off += writeSync(out, b, off);
      packageSize += b.length;
    };
    try {
      write(enc.header);
      const buf = Buffer.alloc(1 << 20);
      for (;;) {
        const n = readSync(fd, buf, 0, buf.length, null);
        if (n === 0) break;
        const chunk = buf.subarray(0, n);
        hash.update(chunk);
        size += n;
        write(enc.update(chunk));
      }
      for (const c of captured) if (c.content) write(enc.update(c.content));
      write(enc.final());
      fsyncSync(out);
    } catch (err) {
      closeSync(out);
      unlinkSync(tmp);
      throw new QuarantineError('internal', `can't write the quarantine package: ${(err as Error).message}`, { id }, { cause: err });
    }
    closeSync(out);
    faultPoint('quarantine:after-blob-write');
    renameSync(tmp, this.blobPath(id));
    fsyncDir(this.blobDir);
    faultPoint('quarantine:after-blob-rename');
    return { size, sha256: hash.digest('hex'), packageSize };
  }

  /** Unlinks the original only if the path still names the file that was copied. */
  removeOriginal(id: string, real: string, copied: Pick<Stats, 'dev' | 'ino' | 'size' | 'mtimeMs'>): boolean {
    let now: Stats;
    try {
      now = lstatSync(real);
    } catch {
      this.records.markOriginalRemoved(id);
      return true;
    }
    if (!now.isFile() || now.dev !== copied.dev || now.ino !== copied.ino || now.size !== copied.size || now.mtimeMs !== copied.mtimeMs) {
      this.records.addError(id, { word: 'changed', message: 'the original changed after it was copied; it was left in place' });
      return false;
    }
    unlinkSync(real);
    fsyncDir(dirname(real));
    this.records.markOriginalRemoved(id);
    return true;
  }

  private async finishSideEffects(id: string, captured: readonly CapturedSideEffect[]): Promise<void> {
    if (captured.length === 0) return;
    let effects: StoredSideEffect[];
    try {
      effects = await this.sideEffects.remove(captured);
    } catch (err) {
      this.records.addError(id, { word: 'internal', message: `side effects not removed: ${(err as Error).message}` });
      return;
    }
    this.records.setSideEffects(id, effects);
  }
}

function openOriginal(real: string, systemPath: string): number {
  try {
    // O_NOFOLLOW: a symlink swapped in after the scan must not make us quarantine its target.
    return openSync(real, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new QuarantineError('missing', `${systemPath} no longer exists`, { path: systemPath }, { cause: err });
    if (code === 'ELOOP') throw new QuarantineError('type', `${systemPath} is a symbolic link now; refusing to follow it`, { path: systemPath }, { cause: err });
    throw new QuarantineError('internal', `can't open ${systemPath}: ${(err as Error).message}`, { path: systemPath }, { cause: err });
  }
}
