import type { QuarantineError } from '../quarantine/quarantine-errors.js';
import type { QuarantineOutcome, QuarantineRequest, QuarantineResult } from '../quarantine/quarantine-store.js';
import { transientCode } from '../quarantine/transient-error.js';

/** How a submitted detection ended. */
export type BatchSettled =
  | { readonly kind: 'quarantined'; readonly outcome: QuarantineOutcome }
  /** `retried`: it had failed transiently before (a `missing` then means an earlier try got it). */
  | { readonly kind: 'failed'; readonly error: QuarantineError; readonly retried: boolean }
  /** The agent stopped before it was tried: its file must be scanned at the next start. */
  | { readonly kind: 'deferred' };

export interface DetectionBatcherOptions {
  /** Moves a batch into quarantine, one result per request in order (`QuarantineStore.quarantineMany`). */
  readonly quarantineMany: (requests: readonly QuarantineRequest[]) => Promise<QuarantineResult[]>;
  /** Most detections in one batch. */
  readonly maxBatch: number;
  /** First retry delay after a transient error; doubled per try up to `maxDelayMs`. */
  readonly firstDelayMs: number;
  readonly maxDelayMs: number;
  /** Told of each batch's transient failures (they will be tried again). */
  readonly onRetry?: (count: number, code: string, delayMs: number) => void;
}

interface Entry {
  readonly key: string;
  readonly request: QuarantineRequest;
  readonly settle: (s: BatchSettled) => void;
  readonly settled: Promise<BatchSettled>;
  tries: number;
  timer?: NodeJS.Timeout;
}

/**
 * The agent's quarantine pool: detections that arrive while a batch is being worked wait and
 * go together in the next one (one `quarantineMany`, its fsync rounds shared), one batch at a
 * time, so a storm of detections costs a bounded number of open files and bytes of memory
 * instead of one concurrent quarantine each. A detection failing with a transient error
 * (EMFILE, ENFILE, EAGAIN, SQLite busy) is tried again after a growing delay, never dropped.
 * The same file (device and inode) submitted while it is still waiting or being worked shares
 * that one quarantine: two scans of one file must not make two items.
 */
export class DetectionBatcher {
  private ready: Entry[] = [];
  private readonly delayed = new Set<Entry>();
  private readonly byKey = new Map<string, Entry>();
  private running: Promise<void> | null = null;
  private stopping = false;

  constructor(private readonly options: DetectionBatcherOptions) {}

  /** Queued plus waiting for a retry. */
  get size(): number {
    return this.ready.length + this.delayed.size;
  }

  /** Resolves once the detection is in quarantine, failed for good, or deferred by `stop`. */
  submit(key: string, request: QuarantineRequest): Promise<BatchSettled> {
    const known = this.byKey.get(key);
    if (known) return known.settled;
    if (this.stopping) return Promise.resolve({ kind: 'deferred' });
    let settle!: (s: BatchSettled) => void;
    const settled = new Promise<BatchSettled>((resolve) => (settle = resolve));
    const entry: Entry = { key, request, settle, settled, tries: 0 };
    this.byKey.set(key, entry);
    this.ready.push(entry);
    this.schedule();
    return settled;
  }

  /**
   * Stops taking and retrying: the batch being worked finishes, everything else settles as
   * `deferred` (its file untouched). Resolves when nothing is being worked.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const e of [...this.ready, ...this.delayed]) {
      if (e.timer) clearTimeout(e.timer);
      this.finish(e, { kind: 'deferred' });
    }
    this.ready = [];
    this.delayed.clear();
    await this.running;
  }

  private schedule(): void {
    this.running ??= this.drain().finally(() => {
      this.running = null;
      if (this.ready.length > 0 && !this.stopping) this.schedule();
    });
  }

  private async drain(): Promise<void> {
    while (this.ready.length > 0) {
      const batch = this.ready.splice(0, this.options.maxBatch);
      let results: QuarantineResult[];
      try {
        results = await this.options.quarantineMany(batch.map((e) => e.request));
      } catch (err) {
        // quarantineMany reports per item; a throw is a malfunction (a bug): every item retried.
        results = batch.map(() => ({ ok: false, error: err as QuarantineError }));
      }
      const again: Entry[] = [];
      let code = '';
      for (const [k, e] of batch.entries()) {
        const r = results[k]!;
        if (r.ok) this.finish(e, { kind: 'quarantined', outcome: r.outcome });
        else {
          const transient = transientCode(r.error);
          if (transient !== null && !this.stopping) {
            again.push(e);
            code = transient;
          } else this.finish(e, { kind: 'failed', error: r.error, retried: e.tries > 0 });
        }
      }
      if (again.length > 0) this.retryLater(again, code);
    }
  }

  private retryLater(entries: Entry[], code: string): void {
    const tries = Math.max(...entries.map((e) => ++e.tries));
    const delay = Math.min(this.options.maxDelayMs, this.options.firstDelayMs * 2 ** (tries - 1));
    this.options.onRetry?.(entries.length, code, delay);
    for (const e of entries) {
      this.delayed.add(e);
      e.timer = setTimeout(() => {
        this.delayed.delete(e);
        e.timer = undefined;
        this.ready.push(e);
        this.schedule();
      }, delay);
    }
  }

  private finish(e: Entry, s: BatchSettled): void {
    this.byKey.delete(e.key);
    e.settle(s);
  }
}
