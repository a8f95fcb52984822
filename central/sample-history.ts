import type { CentralDb } from './central-database.js';

/** One recorded status change of a sample (Appendix A), with its time and what caused it. */
export interface StatusTransition {
  readonly from: string | null;
  readonly to: string;
  readonly at: string;
  readonly reason: string;
}

/** One action an administrator asked for in an item's properties. */
export interface SampleRequest {
  readonly action: string;
  readonly detail: string;
  readonly at: string;
}

/** A sample's recorded history: status transitions and requested actions. */
export class SampleHistory {
  private readonly stmts;

  constructor(db: CentralDb) {
    this.stmts = {
      transition: db.prepare('INSERT INTO sample_transitions (sample_id, from_status, to_status, at, reason) VALUES (@id, @from, @to, @at, @reason)'),
      transitions: db.prepare('SELECT from_status AS "from", to_status AS "to", at, reason FROM sample_transitions WHERE sample_id = ? ORDER BY seq'),
      request: db.prepare('INSERT INTO sample_requests (sample_id, action, detail, at) VALUES (@id, @action, @detail, @at)'),
      requests: db.prepare('SELECT action, detail, at FROM sample_requests WHERE sample_id = ? ORDER BY seq'),
      forgetTransitions: db.prepare('DELETE FROM sample_transitions WHERE sample_id = ?'),
      forgetRequests: db.prepare('DELETE FROM sample_requests WHERE sample_id = ?'),
    };
  }

  recordTransition(id: string, t: StatusTransition): void {
    this.stmts.transition.run({ id, ...t });
  }

  transitionsOf(id: string): StatusTransition[] {
    return this.stmts.transitions.all(id) as StatusTransition[];
  }

  recordRequest(id: string, r: SampleRequest): void {
    this.stmts.request.run({ id, ...r });
  }

  requestsOf(id: string): SampleRequest[] {
    return this.stmts.requests.all(id) as SampleRequest[];
  }

  forget(id: string): void {
    this.stmts.forgetTransitions.run(id);
    this.stmts.forgetRequests.run(id);
  }
}
