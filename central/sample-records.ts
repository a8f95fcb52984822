import type { CentralDb } from './central-database.js';
import { SampleHistory } from './sample-history.js';
import type { CentralSample, SampleAttributes } from './wire-format.js';

interface Row {
  id: string;
  checksum: string;
  size: number;
  file_name: string;
  user_name: string | null;
  computer: string;
  address: string | null;
  date_quarantined: string;
  date_received: string;
  date_analyzed: string | null;
  priority: number;
  side_effects: number;
  endpoint_virus: string;
  endpoint_sequence: number | null;
  state: string;
  status: string;
  virus: string;
  scan_sequence: number | null;
  definitions_needed: number | null;
  errors: string;
  receipts: number;
}

function toSample(r: Row): CentralSample {
  return {
    id: r.id,
    fileName: r.file_name,
    user: r.user_name,
    computer: r.computer,
    address: r.address,
    size: r.size,
    checksum: r.checksum,
    dateQuarantined: r.date_quarantined,
    dateReceived: r.date_received,
    dateAnalyzed: r.date_analyzed,
    state: r.state,
    status: r.status,
    virus: r.virus,
    endpointVirus: r.endpoint_virus,
    endpointSequence: r.endpoint_sequence,
    scanSequence: r.scan_sequence,
    definitionsNeeded: r.definitions_needed,
    errors: JSON.parse(r.errors) as CentralSample['errors'],
    priority: r.priority,
    sideEffects: r.side_effects,
    receipts: r.receipts,
  };
}

/** What scanning a sample with the server's definitions concluded. */
export interface ScanVerdict {
  readonly state: string;
  readonly status: string;
  readonly virus: string;
  readonly scanSequence: number | null;
  readonly definitionsNeeded: number | null;
  readonly errors: CentralSample['errors'];
}

/** Every statement the server needs, prepared once. */
export class SampleRecords {
  private readonly stmts;
  readonly history: SampleHistory;

  constructor(private readonly db: CentralDb) {
    this.history = new SampleHistory(db);
    this.stmts = {
      insert: db.prepare(`INSERT OR IGNORE INTO samples (id, checksum, size, file_name, user_name, computer, address, date_quarantined,
          date_received, date_analyzed, priority, side_effects, endpoint_virus, endpoint_sequence, state, status, virus, scan_sequence,
          definitions_needed, errors)
        VALUES (@id, @checksum, @size, @fileName, @user, @computer, @address, @dateQuarantined, @now, @dateAnalyzed, @priority,
          @sideEffects, @virusName, @sequence, @state, @status, @virus, @scanSequence, @definitionsNeeded, @errors)`),
      get: db.prepare('SELECT * FROM samples WHERE id = ?'),
      list: db.prepare('SELECT * FROM samples ORDER BY date_received, id'),
      receipt: db.prepare('UPDATE samples SET receipts = receipts + 1 WHERE id = ?'),
      remove: db.prepare('DELETE FROM samples WHERE id = ?'),
      ids: db.prepare('SELECT id FROM samples'),
      stale: db.prepare('SELECT id FROM samples WHERE scan_sequence IS NULL OR scan_sequence < @sequence ORDER BY date_received, id'),
      verdict: db.prepare(`UPDATE samples SET state = @state, status = @status, virus = @virus, scan_sequence = @scanSequence,
          definitions_needed = @definitionsNeeded, date_analyzed = @now WHERE id = @id`),
      errors: db.prepare('UPDATE samples SET errors = @errors WHERE id = @id'),
      used: db.prepare('SELECT coalesce(sum(size), 0) AS bytes, count(*) AS count FROM samples'),
      setStatus: db.prepare('UPDATE samples SET status = @status WHERE id = @id'),
      setPriority: db.prepare('UPDATE samples SET priority = @priority WHERE id = @id'),
    };
  }

  /** Inserts a verified sample; false when the id was already stored (a concurrent duplicate). */
  insert(attrs: SampleAttributes, verdict: ScanVerdict, now: string): boolean {
    return this.db.transaction(() => {
      const inserted = this.stmts.insert.run({ ...attrs, now, dateAnalyzed: now, ...verdict, errors: JSON.stringify(verdict.errors) }).changes === 1;
      if (inserted) {
        this.history.recordTransition(attrs.id, { from: null, to: 'Quarantined', at: now, reason: `received from ${attrs.computer}` });
        this.history.recordTransition(attrs.id, { from: 'Quarantined', to: verdict.status, at: now, reason: `scanned: ${verdict.state}` });
      }
      return inserted;
    })();
  }

  get(id: string): CentralSample | undefined {
    const row = this.stmts.get.get(id) as Row | undefined;
    return row && toSample(row);
  }

  list(): CentralSample[] {
    return (this.stmts.list.all() as Row[]).map(toSample);
  }

  /** Counts one more upload of a sample that is already stored. */
  countReceipt(id: string): void {
    this.stmts.receipt.run(id);
  }

  /** Deletes the row and its history. */
  remove(id: string): void {
    this.db.transaction(() => {
      this.stmts.remove.run(id);
      this.history.forget(id);
    })();
  }

  /** Moves a sample to another status, recording the transition (none when it is already there). */
  setStatus(id: string, status: string, now: string, reason: string): void {
    const before = this.get(id);
    if (!before || before.status === status) return;
    this.db.transaction(() => {
      this.stmts.setStatus.run({ id, status });
      this.history.recordTransition(id, { from: before.status, to: status, at: now, reason });
    })();
  }

  setPriority(id: string, priority: number): void {
    this.stmts.setPriority.run({ id, priority });
  }

  allIds(): Set<string> {
    return new Set((this.stmts.ids.all() as { id: string }[]).map((r) => r.id));
  }

  /** Ids of the samples last analysed with definitions older than `sequence`, oldest first. */
  staleIds(sequence: number): string[] {
    return (this.stmts.stale.all({ sequence }) as { id: string }[]).map((r) => r.id);
  }

  /** Records a new analysis of a stored sample. */
  setVerdict(id: string, verdict: Omit<ScanVerdict, 'errors'>, now: string): void {
    const before = this.get(id);
    this.db.transaction(() => {
      this.stmts.verdict.run({ id, now, state: verdict.state, status: verdict.status, virus: verdict.virus, scanSequence: verdict.scanSequence, definitionsNeeded: verdict.definitionsNeeded });
      if (before && before.status !== verdict.status) {
        this.history.recordTransition(id, { from: before.status, to: verdict.status, at: now, reason: `analysed with definitions ${verdict.scanSequence ?? '(no sequence)'}: ${verdict.state}` });
      }
    })();
  }

  /** Appends an error to a sample's list (the guide's Errors column). */
  addError(id: string, error: CentralSample['errors'][number]): void {
    const sample = this.get(id);
    if (sample) this.stmts.errors.run({ id, errors: JSON.stringify([...sample.errors, error]) });
  }

  usage(): { bytes: number; count: number } {
    return this.stmts.used.get() as { bytes: number; count: number };
  }
}
