import type { Db } from '../store/open-database.js';

export type OutboxState = 'pending' | 'sent' | 'done' | 'refused';

export interface OutboxEntry {
  readonly itemId: string;
  readonly state: OutboxState;
  /** Failed attempts since the last success (drives the item's backoff). */
  readonly attempts: number;
  readonly nextAttemptAt: number;
  readonly lastError: string | null;
  readonly enqueuedAt: string;
  readonly sentAt: string | null;
  readonly remoteStatus: string | null;
  readonly remoteState: string | null;
}

interface Row {
  item_id: string;
  state: OutboxState;
  attempts: number;
  next_attempt_at: number;
  last_error: string | null;
  enqueued_at: string;
  sent_at: string | null;
  remote_status: string | null;
  remote_state: string | null;
}

const toEntry = (r: Row): OutboxEntry => ({
  itemId: r.item_id, state: r.state, attempts: r.attempts, nextAttemptAt: r.next_attempt_at, lastError: r.last_error,
  enqueuedAt: r.enqueued_at, sentAt: r.sent_at, remoteStatus: r.remote_status, remoteState: r.remote_state,
});

/** Items still held in the local quarantine, i.e. with a package to send. */
const HELD = "('stored', 'complete', 'restoring')";
const BACKLOG_SQL = `SELECT count(*) AS n FROM forward_outbox o JOIN quarantine_items q ON q.id = o.item_id
  WHERE o.state = 'pending' AND q.phase IN ${HELD}`;

/** How many held items wait to be forwarded; for `epq status`. Never throws on a migrated db. */
export function countForwardBacklog(db: Db): number {
  return (db.prepare(BACKLOG_SQL).get() as { n: number }).n;
}

/**
 * The forwarding outbox in the agent database. Every write is committed without an fsync
 * (synchronous NORMAL): a lost enqueue is redone by the start-up sweep of never-forwarded
 * items, and a lost "sent" only means one more upload, which the server stores once anyway.
 */
export class Outbox {
  private readonly stmts;
  /** `PRAGMA synchronous = N` for each level met, prepared once. */
  private readonly restoreSync = new Map<number, { run(): unknown }>();

  constructor(private readonly db: Db) {
    this.stmts = {
      enqueue: db.prepare("INSERT OR IGNORE INTO forward_outbox (item_id, state, next_attempt_at, enqueued_at) VALUES (@id, 'pending', @now, @iso)"),
      sweep: db.prepare(`INSERT OR IGNORE INTO forward_outbox (item_id, state, next_attempt_at, enqueued_at)
        SELECT id, 'pending', @now, @iso FROM quarantine_items WHERE phase = 'complete'
        AND id NOT IN (SELECT item_id FROM forward_outbox) ORDER BY quarantined_at, id`),
      // Ordered by the index alone (ties by rowid, i.e. enqueue order): no sort per call.
      due: db.prepare("SELECT * FROM forward_outbox WHERE state = 'pending' AND next_attempt_at <= @now ORDER BY next_attempt_at LIMIT @limit"),
      nextDueAt: db.prepare("SELECT min(next_attempt_at) AS at FROM forward_outbox WHERE state = 'pending'"),
      get: db.prepare('SELECT * FROM forward_outbox WHERE item_id = ?'),
      sent: db.prepare(`UPDATE forward_outbox SET state = @state, attempts = 0, last_error = NULL, sent_at = @iso, remote_status = @status,
        remote_state = @remoteState WHERE item_id = @id`),
      defer: db.prepare('UPDATE forward_outbox SET attempts = @attempts, next_attempt_at = @until, last_error = @error WHERE item_id = @id'),
      refuse: db.prepare("UPDATE forward_outbox SET state = 'refused', attempts = @attempts, last_error = @error WHERE item_id = @id"),
      remove: db.prepare('DELETE FROM forward_outbox WHERE item_id = ?'),
      awaiting: db.prepare(`SELECT o.item_id AS id FROM forward_outbox o JOIN quarantine_items q ON q.id = o.item_id
        WHERE o.state = 'sent' AND q.phase = 'complete' ORDER BY o.checked_at NULLS FIRST, o.sent_at LIMIT @limit`),
      status: db.prepare('UPDATE forward_outbox SET state = @state, remote_status = @status, remote_state = @remoteState, checked_at = @iso WHERE item_id = @id'),
      requeue: db.prepare("UPDATE forward_outbox SET state = 'pending', attempts = 0, next_attempt_at = @now, last_error = NULL WHERE item_id = @id"),
      refused: db.prepare("SELECT item_id AS id FROM forward_outbox WHERE state = 'refused'"),
      prune: db.prepare(`DELETE FROM forward_outbox WHERE item_id NOT IN (SELECT id FROM quarantine_items WHERE phase IN ${HELD})`),
      backlog: db.prepare(BACKLOG_SQL),
      // Prepared once: db.pragma() compiles its statement on every call.
      syncLevel: db.prepare('PRAGMA synchronous').pluck(),
      syncNormal: db.prepare('PRAGMA synchronous = NORMAL'),
    };
  }

  /**
   * Runs `fn` in a transaction whose commit is not fsynced (see the class comment). Writes to
   * the item that go with an outbox change (its status) join it, so both or neither survive a
   * power cut. Nested calls join the outer transaction.
   */
  lazily<T>(fn: () => T): T {
    if (this.db.inTransaction) return fn();
    const was = Number(this.stmts.syncLevel.get());
    let restore = this.restoreSync.get(was);
    if (!restore) {
      // Our own integer read back from SQLite, not outside input.
      restore = this.db.prepare(`PRAGMA synchronous = ${was}`);
      this.restoreSync.set(was, restore);
    }
    this.stmts.syncNormal.run();
    try {
      return this.db.transaction(fn)();
    } finally {
      restore.run();
    }
  }

  /** Queues an item; false if it was queued (or sent) before. */
  enqueue(id: string, now: number): boolean {
    return this.lazily(() => this.stmts.enqueue.run({ id, now, iso: new Date(now).toISOString() }).changes === 1);
  }

  /** Queues every item in quarantine that was never queued; returns how many. */
  enqueueUnforwarded(now: number): number {
    return this.lazily(() => this.stmts.sweep.run({ now, iso: new Date(now).toISOString() }).changes);
  }

  /** Up to `limit` pending entries whose time has come, oldest first, leaving out `busy` ones. */
  due(now: number, limit: number, busy: ReadonlySet<string>): OutboxEntry[] {
    const rows = this.stmts.due.all({ now, limit: limit + busy.size }) as Row[];
    return rows.filter((r) => !busy.has(r.item_id)).slice(0, limit).map(toEntry);
  }

  /** When the earliest pending entry is due (epoch ms), or null when none is pending. */
  nextDueAt(): number | null {
    return (this.stmts.nextDueAt.get() as { at: number | null }).at;
  }

  get(id: string): OutboxEntry | undefined {
    const row = this.stmts.get.get(id) as Row | undefined;
    return row && toEntry(row);
  }

  /** The server has it: remember what it said, and whether that state is final. */
  markSent(id: string, remote: { status: string; state: string }, final: boolean): void {
    this.lazily(() => this.stmts.sent.run({ id, state: final ? 'done' : 'sent', iso: new Date().toISOString(), status: remote.status, remoteState: remote.state }));
  }

  defer(id: string, attempts: number, until: number, error: string): void {
    this.lazily(() => this.stmts.defer.run({ id, attempts, until, error }));
  }

  refuse(id: string, attempts: number, error: string): void {
    this.lazily(() => this.stmts.refuse.run({ id, attempts, error }));
  }

  remove(id: string): void {
    this.lazily(() => this.stmts.remove.run(id));
  }

  /** Sent items still in quarantine whose status is not final yet, least recently checked first. */
  awaitingStatus(limit: number): string[] {
    return (this.stmts.awaiting.all({ limit }) as { id: string }[]).map((r) => r.id);
  }

  recordStatus(id: string, remote: { status: string; state: string }, final: boolean): void {
    this.lazily(() => this.stmts.status.run({ id, state: final ? 'done' : 'sent', status: remote.status, remoteState: remote.state, iso: new Date().toISOString() }));
  }

  /** Back to pending, due now, with a fresh backoff (the server lost it, or a person asked). */
  requeue(ids: readonly string[], now: number): number {
    return this.lazily(() => ids.reduce((n, id) => n + this.stmts.requeue.run({ id, now }).changes, 0));
  }

  refusedIds(): string[] {
    return (this.stmts.refused.all() as { id: string }[]).map((r) => r.id);
  }

  /** Forgets entries whose item left the quarantine (restored, deleted, purged). */
  pruneGone(): number {
    return this.lazily(() => this.stmts.prune.run().changes);
  }

  backlog(): number {
    return (this.stmts.backlog.get() as { n: number }).n;
  }
}
