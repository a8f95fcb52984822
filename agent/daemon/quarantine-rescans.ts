/**
 * The agent's quarantine rescans: one at a time, after each change of definitions or of the
 * exceptions, restoring the false positives. A rescan that fails (a worker that can't start for
 * want of descriptors, a database error) must not stop the agent or leave false positives held:
 * it is logged and tried again later, while the set it was for is still the active one.
 */
import { availableParallelism } from 'node:os';
import type { AgentConfig } from '../config/index.js';
import type { QuarantineContext } from '../endpoint/open-quarantine.js';
import type { EventSink } from '../events/agent-event.js';
import { rescanQuarantine, type RescanOptions } from '../quarantine/rescan-quarantine.js';
import { pickArchiveSettings } from '../scan/archive-settings.js';
import { WorkerPool } from '../scan/worker-pool.js';
import type { DefinitionsChange } from '../updates/active-definitions.js';

/** Quarantines holding less than this are rescanned on the agent's thread (worker start-up costs more). */
const RESCAN_POOL_BYTES = 16 * 1024 * 1024;
/** Wait before a failed quarantine rescan is tried again. */
const RESCAN_RETRY_MS = 30_000;

export interface QuarantineRescansDeps {
  readonly quarantine: () => QuarantineContext | null;
  readonly config: () => AgentConfig;
  readonly events: EventSink;
  /** Wraps each restore batch (the agent pauses its watcher around it). */
  readonly aroundRestore: NonNullable<RescanOptions['aroundRestore']>;
  /** The active set's sequence now: a retry is for the set still in force only. */
  readonly activeSequence: () => number | null;
  readonly stopping: () => boolean;
  readonly afterRescan: () => Promise<void>;
}

export class QuarantineRescans {
  private chain: Promise<void> = Promise.resolve();
  private readonly retries = new Set<NodeJS.Timeout>();

  constructor(private readonly deps: QuarantineRescansDeps) {}

  /** Rescans with `change`'s set after the rescans already queued; never rejects. */
  queue(change: DefinitionsChange): Promise<void> {
    const next = this.chain.then(() => this.rescan(change)).catch((err: unknown) => {
      const sequence = change.current.sequence;
      this.deps.events({ name: 'sample processing error', severity: 'error', message: `the quarantine rescan with sequence ${sequence} failed (${(err as Error).message}); trying again in ${RESCAN_RETRY_MS / 1000} s`, data: { sequence } });
      if (this.deps.stopping()) return;
      const retry = setTimeout(() => {
        this.retries.delete(retry);
        if (!this.deps.stopping() && this.deps.activeSequence() === sequence) void this.queue(change);
      }, RESCAN_RETRY_MS);
      this.retries.add(retry);
    });
    this.chain = next;
    return next;
  }

  /** Rescan after an exception was added from the CLI (the agent learns of it at its next rescan). */
  async applyExceptions(): Promise<void> {
    const q = this.deps.quarantine();
    if (!q) return;
    const config = this.deps.config();
    await rescanQuarantine(q.store, { exceptions: q.exceptions.matcher(), autoRestore: config.quarantine.autoRestore, aroundRestore: this.deps.aroundRestore, archive: pickArchiveSettings(config.scan) });
  }

  /** Drops the pending retries and waits for the rescan under way. */
  async stop(): Promise<void> {
    for (const t of this.retries) clearTimeout(t);
    this.retries.clear();
    await this.chain;
  }

  private async rescan(change: DefinitionsChange): Promise<void> {
    const q = this.deps.quarantine();
    if (!q) return;
    const config = this.deps.config();
    const archive = pickArchiveSettings(config.scan);
    // A pool of its own, loaded with exactly this set: the on-access pool may move on to a newer
    // one mid-rescan. A few small items are scanned here rather than paying for the threads.
    const pool = q.store.records.totals().bytes >= RESCAN_POOL_BYTES
      ? new WorkerPool(availableParallelism(), change.current.database, { maxFileSize: config.scan.maxFileSize, noFollow: true, archive })
      : undefined;
    let outcomes: Awaited<ReturnType<typeof rescanQuarantine>>;
    try {
      outcomes = await rescanQuarantine(q.store, {
        aroundRestore: this.deps.aroundRestore,
        engine: change.current.engine,
        sequence: change.current.sequence,
        exceptions: q.exceptions.matcher(),
        autoRestore: config.quarantine.autoRestore,
        archive,
        ...(pool && { scanner: pool }),
      });
    } finally {
      await pool?.close();
    }
    const restored = outcomes.filter((o) => o.result === 'restored').length;
    this.deps.events({ name: 'quarantine rescanned', severity: 'info', message: `quarantine rescanned with sequence ${change.current.sequence}: ${outcomes.length} item(s), ${restored} restored`, data: { sequence: change.current.sequence, rescanned: outcomes.length, restored } });
    await this.deps.afterRescan();
  }
}
