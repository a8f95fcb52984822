import type { EventSink } from '../events/agent-event.js';
import type { ItemError, QuarantineItem } from '../quarantine/quarantine-item.js';
import type { QuarantineRecords } from '../quarantine/quarantine-records.js';
import type { ConnectionWatch } from './connection-watch.js';
import type { Outbox, OutboxEntry } from './outbox.js';
import type { UploadOutcome } from './upload-outcome.js';

/**
 * Refusals that may come from damage in transit (the guide: "may be due to a transmission
 * error"): sent again, a few times, before the item is given up on.
 */
const TRANSIT_WORDS: ReadonlySet<string> = new Set(['content', 'overrun', 'underrun', 'lost']);
export const MAX_TRANSIT_ATTEMPTS = 3;

/** What applying an outcome may touch. */
export interface OutcomeContext {
  readonly item: QuarantineItem;
  readonly url: string;
  readonly outbox: Outbox;
  readonly records: QuarantineRecords;
  readonly watch: ConnectionWatch;
  readonly events: EventSink;
  readonly now: number;
  /** Backoff before the attempt after `failures` failures. */
  readonly delayFor: (failures: number) => number;
  /** Holds every upload until `until` (the server is failing). */
  readonly closeGate: (until: number) => void;
  readonly openGate: () => void;
}

/**
 * Records how an upload ended: in the outbox (sent, deferred or refused), on the item (status
 * `Submitted`, or an error with the guide's word and status `Error`), and as events.
 * Never throws for a database that works.
 */
export function applyOutcome(ctx: OutcomeContext, entry: OutboxEntry, outcome: UploadOutcome, startedAt: number): void {
  const id = entry.itemId;
  switch (outcome.kind) {
    case 'accepted': {
      ctx.watch.succeeded();
      ctx.openGate();
      const { reply } = outcome;
      // Status queries mirror the server's view later; for now the endpoint knows it was submitted.
      ctx.outbox.lazily(() => {
        ctx.outbox.markSent(id, { status: reply.status, state: reply.state }, false);
        // An item restored while it was on its way keeps the status its restore gave it.
        if (ctx.records.get(id)?.phase === 'complete') ctx.records.setStatusState(id, 'Submitted', ctx.item.state);
      });
      ctx.events({
        name: 'sample forwarded',
        severity: 'info',
        message: `${ctx.item.originalPath} (${id}) forwarded to the Central Quarantine ${ctx.url}${reply.duplicate ? ' (it already had it)' : ''}: ${reply.state}`,
        data: { id, url: ctx.url, state: reply.state, status: reply.status, duplicate: reply.duplicate },
      });
      return;
    }
    case 'refused':
      ctx.watch.succeeded();
      ctx.openGate();
      if (TRANSIT_WORDS.has(outcome.word) && entry.attempts + 1 < MAX_TRANSIT_ATTEMPTS) {
        ctx.outbox.defer(id, entry.attempts + 1, ctx.now + ctx.delayFor(entry.attempts + 1), outcome.message);
        return;
      }
      return giveUp(ctx, entry, outcome.word, outcome.message);
    case 'local':
      return giveUp(ctx, entry, outcome.error.word, `can't read the quarantine package: ${outcome.error.message}`);
    case 'retry': {
      ctx.watch.failed(startedAt, ctx.now, outcome.reason);
      const attempts = entry.attempts + 1;
      const pause = outcome.retryAfterMs ?? ctx.delayFor(ctx.watch.failures);
      ctx.closeGate(ctx.now + pause);
      ctx.outbox.defer(id, attempts, ctx.now + (outcome.retryAfterMs ?? ctx.delayFor(attempts)), outcome.reason);
    }
  }
}

/** Parks the entry as refused and says why on the item; a person may `epq central resend` it. */
function giveUp(ctx: OutcomeContext, entry: OutboxEntry, word: string, message: string): void {
  const id = entry.itemId;
  const now = ctx.records.get(id);
  ctx.outbox.lazily(() => {
    ctx.outbox.refuse(id, entry.attempts + 1, message);
    // Restored or deleted meanwhile: nothing to report on.
    if (now?.phase !== 'complete') return;
    ctx.records.addError(id, { word: word as ItemError['word'], message: `not forwarded to ${ctx.url}: ${message}` });
    ctx.records.setStatusState(id, 'Error', now.state);
  });
  if (now?.phase !== 'complete') return;
  ctx.events({ name: 'sample processing error', severity: 'error', message: `${now.originalPath} (${id}) was not forwarded to the Central Quarantine ${ctx.url}: ${message}`, data: { id, url: ctx.url, word } });
}
