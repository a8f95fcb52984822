import { showPath, type FsPath } from '../fs-path.js';
import { asDatabaseError, type Db } from '../store/open-database.js';
import type { ItemError, QuarantineItem, QuarantinePhase, SampleState, SampleStatus, StoredSideEffect } from './quarantine-item.js';
import { HELD_PHASES } from './held-phases.js';

const HELD_PARAMS = { held0: HELD_PHASES[0], held1: HELD_PHASES[1], held2: HELD_PHASES[2] };

interface Row {
  id: string;
  phase: QuarantinePhase;
  file_name: string;
  original_path: string;
  original_path_bytes: Buffer | null;
  size: number;
  sha256: string;
  dev: number;
  ino: number;
  mode: number;
  uid: number;
  gid: number;
  atime_ms: number;
  mtime_ms: number;
  atime_ns: string;
  mtime_ns: string;
  user_name: string;
  computer: string;
  quarantined_at: string;
  virus_name: string;
  detections: string;
  definitions_sequence: number;
  status: SampleStatus;
  state: SampleState;
  errors: string;
  side_effects: string;
  package_size: number;
  original_removed: number;
  restore_target: string | null;
  restore_target_bytes: Buffer | null;
  restored_at: string | null;
}

function toItem(r: Row): QuarantineItem {
  return {
    id: r.id,
    phase: r.phase,
    fileName: r.file_name,
    originalPath: r.original_path,
    originalPathBytes: r.original_path_bytes,
    size: r.size,
    sha256: r.sha256,
    dev: r.dev,
    ino: r.ino,
    mode: r.mode,
    uid: r.uid,
    gid: r.gid,
    atimeMs: r.atime_ms,
    mtimeMs: r.mtime_ms,
    atimeNs: r.atime_ns,
    mtimeNs: r.mtime_ns,
    userName: r.user_name,
    computer: r.computer,
    quarantinedAt: r.quarantined_at,
    virusName: r.virus_name,
    detections: JSON.parse(r.detections),
    definitionsSequence: r.definitions_sequence,
    status: r.status,
    state: r.state,
    errors: JSON.parse(r.errors) as ItemError[],
    sideEffects: JSON.parse(r.side_effects) as StoredSideEffect[],
    packageSize: r.package_size,
    originalRemoved: r.original_removed === 1,
    restoreTarget: r.restore_target_bytes ?? r.restore_target,
    restoredAt: r.restored_at,
  };
}

/** What is known of an item once its package is written: the record inserted as `stored`. */
export type NewItem = Omit<QuarantineItem, 'phase' | 'errors' | 'originalRemoved' | 'restoreTarget' | 'restoredAt'>;

/** How moving an item in ended: written by `complete` in one statement. */
export interface QuarantineFinish {
  readonly originalRemoved: boolean;
  readonly sideEffects: readonly StoredSideEffect[];
  readonly errors: readonly ItemError[];
}

/** Every statement the quarantine needs, prepared once per database handle. */
export class QuarantineRecords {
  private readonly stmts;

  constructor(private readonly db: Db) {
    this.stmts = {
      insert: db.prepare(`INSERT INTO quarantine_items (id, phase, file_name, original_path, original_path_bytes, size, sha256, dev, ino, mode, uid, gid,
          atime_ms, mtime_ms, atime_ns, mtime_ns, user_name, computer, quarantined_at, virus_name, detections, definitions_sequence, status, state,
          side_effects, package_size, updated_at)
        VALUES (@id, 'stored', @fileName, @originalPath, @originalPathBytes, @size, @sha256, @dev, @ino, @mode, @uid, @gid, @atimeMs, @mtimeMs, @atimeNs, @mtimeNs,
          @userName, @computer, @quarantinedAt, @virusName, @detections, @definitionsSequence, @status, @state, @sideEffects,
          @packageSize, @now)`),
      insertRebuilt: db.prepare(`INSERT INTO quarantine_items (id, phase, file_name, original_path, original_path_bytes, size, sha256, dev, ino, mode, uid, gid,
          atime_ms, mtime_ms, atime_ns, mtime_ns, user_name, computer, quarantined_at, virus_name, detections, definitions_sequence, status, state,
          side_effects, package_size, original_removed, errors, updated_at)
        VALUES (@id, @phase, @fileName, @originalPath, @originalPathBytes, @size, @sha256, @dev, @ino, @mode, @uid, @gid, @atimeMs, @mtimeMs, @atimeNs, @mtimeNs,
          @userName, @computer, @quarantinedAt, @virusName, @detections, @definitionsSequence, @status, @state, @sideEffects,
          @packageSize, @originalRemoved, @errors, @now)`),
      get: db.prepare('SELECT * FROM quarantine_items WHERE id = @id'),
      byPhase: db.prepare('SELECT * FROM quarantine_items WHERE phase = @phase ORDER BY quarantined_at, id'),
      listAll: db.prepare('SELECT * FROM quarantine_items ORDER BY quarantined_at, id'),
      listHeld: db.prepare('SELECT * FROM quarantine_items WHERE phase IN (@held0, @held1, @held2) ORDER BY quarantined_at, id'),
      complete: db.prepare(`UPDATE quarantine_items SET phase = 'complete', original_removed = @originalRemoved, side_effects = @sideEffects,
          errors = @errors, updated_at = @now WHERE id = @id AND phase = 'stored'`),
      setPhase: db.prepare('UPDATE quarantine_items SET phase = @phase, updated_at = @now WHERE id = @id'),
      sideEffects: db.prepare('UPDATE quarantine_items SET side_effects = @sideEffects, updated_at = @now WHERE id = @id'),
      errors: db.prepare('UPDATE quarantine_items SET errors = @errors, updated_at = @now WHERE id = @id'),
      restoring: db.prepare(`UPDATE quarantine_items SET phase = 'restoring', restore_target = @target, restore_target_bytes = @targetBytes, updated_at = @now
          WHERE id = @id AND phase = 'complete'`),
      restored: db.prepare(`UPDATE quarantine_items SET phase = 'restored', restored_at = @now, state = @state, updated_at = @now
          WHERE id = @id`),
      statusState: db.prepare('UPDATE quarantine_items SET status = @status, state = @state, updated_at = @now WHERE id = @id'),
      detection: db.prepare(`UPDATE quarantine_items SET virus_name = @virusName, detections = @detections,
          definitions_sequence = @sequence, updated_at = @now WHERE id = @id`),
      remove: db.prepare('DELETE FROM quarantine_items WHERE id = @id'),
      totals: db.prepare("SELECT count(*) AS count, coalesce(sum(package_size), 0) AS bytes FROM quarantine_items WHERE phase IN ('stored', 'complete', 'restoring')"),
    };
  }

  private now(): string {
    return new Date().toISOString();
  }

  /** Inserts an item whose package is complete on disk (phase `stored`). */
  insertStored(item: NewItem): void {
    this.stmts.insert.run({
      ...item,
      detections: JSON.stringify(item.detections),
      sideEffects: JSON.stringify(item.sideEffects),
      now: this.now(),
    });
  }

  /**
   * Inserts the record of an item rebuilt from its package: `complete` when its original is
   * gone, `stored` (for recovery to finish) when the original is still the file that was copied.
   */
  insertRebuilt(item: NewItem, phase: 'stored' | 'complete', errors: readonly ItemError[]): void {
    this.stmts.insertRebuilt.run({
      ...item,
      phase,
      detections: JSON.stringify(item.detections),
      sideEffects: JSON.stringify(item.sideEffects),
      originalRemoved: phase === 'complete' ? 1 : 0,
      errors: JSON.stringify(errors),
      now: this.now(),
    });
  }

  get(id: string): QuarantineItem | undefined {
    const row = this.stmts.get.get({ id }) as Row | undefined;
    return row && toItem(row);
  }

  inPhase(phase: QuarantinePhase): QuarantineItem[] {
    return (this.stmts.byPhase.all({ phase }) as Row[]).map(toItem);
  }

  /** Items held in quarantine (complete, or stored and being finished). */
  held(): QuarantineItem[] {
    return (this.stmts.listHeld.all(HELD_PARAMS) as Row[]).map(toItem);
  }

  all(): QuarantineItem[] {
    return (this.stmts.listAll.all() as Row[]).map(toItem);
  }

  /** `stored` -> `complete`, with the outcome; false if the item was not `stored`. */
  complete(id: string, finish: QuarantineFinish): boolean {
    return this.stmts.complete.run({
      id,
      originalRemoved: finish.originalRemoved ? 1 : 0,
      sideEffects: JSON.stringify(finish.sideEffects),
      errors: JSON.stringify(finish.errors),
      now: this.now(),
    }).changes === 1;
  }

  /** An error entry stamped now, for `complete` or `addError`. */
  errorNow(error: Omit<ItemError, 'at'>): ItemError {
    return { ...error, at: this.now() };
  }

  setPhase(id: string, phase: QuarantinePhase): void {
    this.stmts.setPhase.run({ id, phase, now: this.now() });
  }

  setSideEffects(id: string, sideEffects: readonly StoredSideEffect[]): void {
    this.stmts.sideEffects.run({ id, sideEffects: JSON.stringify(sideEffects), now: this.now() });
  }

  addError(id: string, error: Omit<ItemError, 'at'>): void {
    const item = this.get(id);
    if (!item) return;
    const errors = [...item.errors, { ...error, at: this.now() }];
    this.stmts.errors.run({ id, errors: JSON.stringify(errors), now: this.now() });
  }

  beginRestore(id: string, target: FsPath): boolean {
    const exact = typeof target === 'string';
    return this.stmts.restoring.run({ id, target: showPath(target), targetBytes: exact ? null : target, now: this.now() }).changes === 1;
  }

  markRestored(id: string, state: SampleState): void {
    this.stmts.restored.run({ id, state, now: this.now() });
  }

  setStatusState(id: string, status: SampleStatus, state: SampleState): void {
    this.stmts.statusState.run({ id, status, state, now: this.now() });
  }

  setDetection(id: string, virusName: string, detections: unknown, sequence: number): void {
    this.stmts.detection.run({ id, virusName, detections: JSON.stringify(detections), sequence, now: this.now() });
  }

  remove(id: string): void {
    this.stmts.remove.run({ id });
  }

  totals(): { count: number; bytes: number } {
    return this.stmts.totals.get() as { count: number; bytes: number };
  }

  /**
   * Runs `fn` in one transaction, committed durably (synchronous FULL).
   * @throws DatabaseError naming the database (and the full disk, if that is why), or what `fn` threw.
   */
  transaction<T>(fn: () => T): T {
    try {
      return this.db.transaction(fn)();
    } catch (err) {
      throw asDatabaseError(err, this.db.name, 'write to the quarantine database');
    }
  }

  /**
   * Runs `fn` in one transaction whose commit is not fsynced (WAL with synchronous NORMAL): a
   * power cut may lose it, never half of it, and never a later durable commit without it
   * (the WAL is synced as a whole). Only for writes that start-up recovery redoes when they
   * are lost, so each one saves an fsync without risking a file.
   */
  lazyTransaction<T>(fn: () => T): T {
    const was = this.db.pragma('synchronous', { simple: true }) as number;
    this.db.pragma('synchronous = NORMAL');
    try {
      return this.db.transaction(fn)();
    } catch (err) {
      throw asDatabaseError(err, this.db.name, 'write to the quarantine database');
    } finally {
      // The level is our own integer read back from SQLite, not outside input.
      this.db.pragma(`synchronous = ${Number(was)}`);
    }
  }
}
