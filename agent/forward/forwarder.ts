import type { EventSink } from '../events/agent-event.js';
import type { QuarantineItem } from '../quarantine/quarantine-item.js';
import type { QuarantineStore } from '../quarantine/quarantine-store.js';
import { CentralEndpoint } from './central-endpoint.js';
import { ConnectionWatch } from './connection-watch.js';
import { applyOutcome, type OutcomeContext } from './apply-outcome.js';
import { Outbox, type OutboxEntry } from './outbox.js';
import { backoffDelay, type RetryPolicy } from './retry-policy.js';
import { sampleAttributes } from './sample-attributes.js';
import { streamSample } from './sample-stream.js';
import { runStatusQuery } from './status-query.js';
import { uploadSample } from './upload-sample.js';
import { STATUS_QUERY_BOUNDS, UPLOAD_BOUNDS, withBounds } from './forward-bounds.js';
import type { RequestBounds } from '../net/request-bounds.js';

export interface ForwarderOptions {
  readonly url: string;
  readonly token: string | null;
  readonly caFile: string | null;
  /** `network.proxy` (null or absent = from the environment). */
  readonly proxy?: string | null;
  readonly stripUserData: boolean;
  /** Longest wait between attempts while the server is down (`central.retryInterval`). */
  readonly retryInterval: number;
  /** How often the status of sent samples is asked for (`central.statusInterval`). */
  readonly statusInterval: number;
  /** The endpoint's address for X-Platform-Address; null when unknown. */
  readonly address: string | null;
  /** First backoff delay; default 1 s. */
  readonly baseDelayMs?: number;
  /** Uploads in flight at once while the server is healthy; default 4. */
  readonly concurrency?: number;
  /** An upload or query with no progress for this long is abandoned; default 60 s. */
  readonly idleTimeoutMs?: number;
  /** Other bounds of each request (connect, total, answer size); defaults in `forward-bounds.ts`. */
  readonly bounds?: Partial<RequestBounds>;
  /** Injectable for tests: randomness of the jitter and the clock. */
  readonly random?: () => number;
  readonly now?: () => number;
}

const HELD_PHASES: ReadonlySet<string> = new Set(['stored', 'complete', 'restoring']);
/** Due entries read per query: one query per batch instead of one per upload. */
const PREFETCH = 64;

/**
 * Forwards quarantined items to the Central Quarantine through the outbox in the agent database:
 * several uploads at once while the server answers, one probe at a time while it does not, each
 * failed item backing off exponentially (with jitter, up to `retryInterval`, or as long as the
 * server's `Retry-After` says). Every `statusInterval` it sweeps the quarantine for items that
 * were never queued and asks the server for the status of what it sent.
 */
export class Forwarder {
  private readonly outbox: Outbox;
  private readonly endpoint: CentralEndpoint;
  private readonly watch: ConnectionWatch;
  private readonly policy: RetryPolicy;
  private readonly now: () => number;
  private readonly busy = new Set<string>();
  /** Due entries read ahead, not started yet (still `pending` in the outbox). */
  private ready: OutboxEntry[] = [];
  private idleWaiters: (() => void)[] = [];
  private readonly running = new Set<Promise<void>>();
  private gateUntil = 0;
  private timer: NodeJS.Timeout | undefined;
  private statusTimer: NodeJS.Timeout | undefined;
  private querying = false;
  private stopping = false;

  /** @throws ForwardConfigError for an unusable URL or CA file. */
  constructor(private readonly store: QuarantineStore, private readonly options: ForwarderOptions, private readonly events: EventSink) {
    this.outbox = new Outbox(store.db);
    this.endpoint = new CentralEndpoint({ url: options.url, token: options.token, caFile: options.caFile, connections: options.concurrency ?? 4, proxy: options.proxy ?? null });
    this.watch = new ConnectionWatch(options.url, events);
    this.policy = { baseMs: options.baseDelayMs ?? 1000, capMs: options.retryInterval, random: options.random ?? Math.random };
    this.now = options.now ?? Date.now;
  }

  /** Queues what was never queued (nothing depends on having seen an event), then starts. */
  start(): void {
    this.sweep();
    this.statusTimer = setInterval(() => void this.checkStatus(), this.options.statusInterval);
    this.pump();
  }

  /** Queues a newly quarantined item and sends it as soon as the server allows. */
  enqueue(id: string): void {
    if (this.stopping) return;
    this.outbox.enqueue(id, this.now());
    this.pump();
  }

  /** Items waiting to be forwarded. */
  backlog(): number {
    return this.outbox.backlog();
  }

  /** Uploads under way now. */
  get inFlight(): number {
    return this.busy.size;
  }

  /** Resolves once nothing is pending or in flight (or the forwarder stopped). */
  whenIdle(): Promise<void> {
    return new Promise((resolve) => {
      this.idleWaiters.push(resolve);
      if (this.stopping) this.notifyIdle();
      else this.pump();
    });
  }

  /** Aborts uploads in flight (they stay queued and are sent again after a restart). */
  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.timer);
    clearInterval(this.statusTimer);
    this.endpoint.close();
    this.ready = [];
    await Promise.allSettled([...this.running]);
    this.notifyIdle();
  }

  private notifyIdle(): void {
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  private sweep(): void {
    this.outbox.pruneGone();
    this.outbox.enqueueUnforwarded(this.now());
  }

  /** Starts what may start now, then sleeps until the next entry is due (or a new one comes). */
  private pump(): void {
    if (this.stopping) return;
    clearTimeout(this.timer);
    const now = this.now();
    if (now < this.gateUntil) {
      this.timer = setTimeout(() => this.pump(), this.gateUntil - now);
      return;
    }
    // While the server fails, one probe at a time rather than a volley.
    for (let slots = (this.watch.failures > 0 ? 1 : this.options.concurrency ?? 4) - this.busy.size; slots > 0; ) {
      if (this.ready.length === 0) this.ready = this.outbox.due(now, PREFETCH, this.busy);
      const entry = this.ready.shift();
      if (!entry) break;
      if (this.busy.has(entry.itemId)) continue;
      this.launch(entry, now);
      slots--;
    }
    if (this.busy.size > 0) return;
    const next = this.outbox.nextDueAt();
    if (next === null) this.notifyIdle();
    // Re-check at least every retryInterval: `epq central resend` writes to the outbox directly.
    const wait = Math.min(next === null ? Infinity : Math.max(0, next - now), this.options.retryInterval);
    this.timer = setTimeout(() => this.pump(), wait);
  }

  private launch(entry: OutboxEntry, startedAt: number): void {
    this.busy.add(entry.itemId);
    const run = this.forwardOne(entry, startedAt)
      .catch((err: unknown) => {
        this.events({ name: 'sample processing error', severity: 'error', message: `forwarding ${entry.itemId} failed unexpectedly: ${(err as Error).message}`, data: { id: entry.itemId } });
        this.outbox.defer(entry.itemId, entry.attempts + 1, this.now() + this.options.retryInterval, (err as Error).message);
      })
      .finally(() => {
        this.busy.delete(entry.itemId);
        this.running.delete(run);
        this.pump();
      });
    this.running.add(run);
  }

  private async forwardOne(entry: OutboxEntry, startedAt: number): Promise<void> {
    const item = this.store.records.get(entry.itemId);
    if (!item || !HELD_PHASES.has(item.phase)) return this.outbox.remove(entry.itemId);
    if (item.phase !== 'complete') {
      return this.outbox.defer(entry.itemId, entry.attempts, this.now() + this.options.retryInterval, `item is ${item.phase}; waiting for the quarantine`);
    }
    const outcome = await uploadSample(this.endpoint, {
      attributes: sampleAttributes(item, this.options.address),
      body: streamSample(this.store.blobPath(item.id), this.store.key, item),
      stripUserData: this.options.stripUserData,
      bounds: this.boundsOf(UPLOAD_BOUNDS),
      now: this.now,
    });
    // Uploads cut short by stop() are neither failures nor news: they stay due as they were.
    if (this.stopping) return;
    applyOutcome(this.outcomeContext(item), entry, outcome, startedAt);
  }

  private boundsOf(defaults: RequestBounds): RequestBounds {
    const idle = this.options.idleTimeoutMs;
    return withBounds(defaults, { ...(idle !== undefined && { idleTimeoutMs: idle }), ...this.options.bounds });
  }

  private outcomeContext(item: QuarantineItem): OutcomeContext {
    return {
      item,
      url: this.options.url,
      outbox: this.outbox,
      records: this.store.records,
      watch: this.watch,
      events: this.events,
      now: this.now(),
      delayFor: (failures) => backoffDelay(failures, this.policy),
      closeGate: (until) => {
        this.gateUntil = Math.max(this.gateUntil, until);
      },
      openGate: () => {
        this.gateUntil = 0;
      },
    };
  }

  /** The periodic round: sweep, then the status query (one at a time). */
  private async checkStatus(): Promise<void> {
    if (this.querying || this.stopping) return;
    this.querying = true;
    const startedAt = this.now();
    try {
      this.sweep();
      const result = await runStatusQuery(this.endpoint, this.outbox, this.store.records, this.boundsOf(STATUS_QUERY_BOUNDS), this.now);
      if (this.stopping) return;
      if (result.ok) {
        // Only an answer proves the server is up; with nothing to ask, nothing was learnt.
        if (result.asked > 0) {
          this.watch.succeeded();
          this.gateUntil = 0;
        }
        if (result.unknown.length > 0) {
          this.events({ name: 'sample processing error', severity: 'warning', message: `the Central Quarantine ${this.options.url} does not hold ${result.unknown.length} sample(s) it had acknowledged; sending them again`, data: { ids: result.unknown } });
        }
      } else {
        this.watch.failed(startedAt, this.now(), result.reason);
      }
    } finally {
      this.querying = false;
      this.pump();
    }
  }
}
