import type { IncomingMessage } from 'node:http';
import { FINAL_STATES, isStatusReply, MAX_STATUS_IDS, PATHS, type StatusReply } from '../../central/wire-format.js';
import { armDeadlines, readCappedBody, type RequestBounds } from '../net/request-bounds.js';
import type { SampleState, SampleStatus } from '../quarantine/quarantine-item.js';
import type { QuarantineRecords } from '../quarantine/quarantine-records.js';
import type { CentralEndpoint } from './central-endpoint.js';
import type { Outbox } from './outbox.js';
import { parseRetryAfter } from './retry-policy.js';

export type StatusQueryResult =
  /** `asked` 0: nothing awaited a status, and the server was not contacted. */
  | { readonly ok: true; readonly asked: number; readonly updated: number; readonly unknown: readonly string[] }
  | { readonly ok: false; readonly reason: string; readonly retryAfterMs: number | null };

type QueryAnswer = { ok: true; reply: StatusReply } | { ok: false; reason: string; retryAfterMs: number | null };

/** POSTs `{ ids }` and reads the reply within `bounds`. Never rejects: a failure is `{ ok: false, reason }`. */
function postStatusQuery(endpoint: CentralEndpoint, ids: readonly string[], bounds: RequestBounds, now: () => number): Promise<QueryAnswer> {
  const body = Buffer.from(JSON.stringify({ ids }));
  const url = endpoint.urlOf(PATHS.statusQuery).href;
  return new Promise((resolve) => {
    let settled = false;
    const settle = (answer: QueryAnswer): void => {
      if (settled) return;
      settled = true;
      disarm();
      resolve(answer);
    };
    const failed = (err: unknown): void => settle({ ok: false, reason: endpoint.describeError(err), retryAfterMs: null });
    const req = endpoint.request(PATHS.statusQuery, 'POST', { 'content-type': 'application/json', 'content-length': String(body.length) });
    const disarm = armDeadlines(req, url, bounds, failed);
    req.on('error', failed);
    req.on('response', (res: IncomingMessage) => {
      readCappedBody(res, url, bounds).then((text) => {
        let parsed: unknown = null;
        try {
          parsed = JSON.parse(text.toString('utf8'));
        } catch {
          // Left null: reported as not a status reply below.
        }
        if (res.statusCode === 200 && isStatusReply(parsed)) settle({ ok: true, reply: parsed });
        else settle({ ok: false, reason: `status query: HTTP ${res.statusCode ?? 0}${res.statusCode === 200 ? ' with an answer that is not a status reply' : ''}`, retryAfterMs: parseRetryAfter(res.headers['retry-after'], now()) });
      }, (err: unknown) => {
        req.destroy();
        failed(err);
      });
    });
    req.end(body);
  });
}

/**
 * The guide's status query: asks the server about the samples it acknowledged whose state is
 * not final yet, and mirrors each answer into the item's status and state. Ids the server says
 * it does not hold (lost to a crash, a wiped store) go back into the outbox to be sent again.
 * Never rejects.
 */
export async function runStatusQuery(endpoint: CentralEndpoint, outbox: Outbox, records: QuarantineRecords, bounds: RequestBounds, now: () => number): Promise<StatusQueryResult> {
  const ids = outbox.awaitingStatus(MAX_STATUS_IDS);
  if (ids.length === 0) return { ok: true, asked: 0, updated: 0, unknown: [] };
  const answer = await postStatusQuery(endpoint, ids, bounds, now);
  if (!answer.ok) return answer;
  const asked = new Set(ids);
  const unknown = answer.reply.unknown.filter((id) => asked.has(id));
  let updated = 0;
  // One commit for the whole answer: a status lost to a power cut is asked for again.
  outbox.lazily(() => {
    for (const s of answer.reply.samples) {
      if (!asked.has(s.id)) continue;
      const item = records.get(s.id);
      if (item?.phase === 'complete' && (item.status !== s.status || item.state !== s.state)) {
        records.setStatusState(s.id, s.status as SampleStatus, s.state as SampleState);
        updated++;
      }
      outbox.recordStatus(s.id, { status: s.status, state: s.state }, FINAL_STATES.has(s.state));
    }
    outbox.requeue(unknown, now());
  });
  return { ok: true, asked: ids.length, updated, unknown };
}
