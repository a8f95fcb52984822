import { availableParallelism } from 'node:os';
import type { SignatureDatabase } from '../../scanner/signature-database.js';
import type { Detection } from '../../scanner/types.js';
import type { EventSink } from '../events/agent-event.js';
import type { ArchiveSettings } from '../scan/archive-settings.js';
import type { FileScanOutcome } from '../scan/file-scan.js';
import { fsPathText, showPath, type FsPath } from '../fs-path.js';
import { walkPaths } from '../scan/walk.js';
import { WorkerPool } from '../scan/worker-pool.js';
import type { WorkerReply } from '../scan/worker-messages.js';
import type { ScanQueue } from './scan-queue.js';

export interface OnAccessDeps {
  readonly queue: ScanQueue;
  readonly maxFileSize: number;
  /** Look into archives with these settings (absent or null: no); a detection inside quarantines the whole file. */
  readonly archive?: ArchiveSettings | null;
  readonly exclude: readonly string[];
  readonly events: EventSink;
  /** Called for each file with detections (after scanning; exceptions are the handler's job). */
  readonly onDetected: (outcome: FileScanOutcome & { readonly detections: readonly Detection[] }) => Promise<void>;
  readonly onScanned?: (path: string) => void;
}

/** How long a file being scanned may still take once the agent is told to stop. */
export const STOP_GRACE_MS = 5_000;

/**
 * Drains the scan queue through worker threads. The workers hold one definitions database;
 * `useDatabase` swaps in a new one between files (files already submitted finish on the old).
 */
export class OnAccessScanner {
  private pool: WorkerPool | null = null;
  private stopping = false;
  private inFlight = 0;
  private idle: (() => void)[] = [];
  private loop: Promise<void> | null = null;
  scanned = 0;

  constructor(private readonly deps: OnAccessDeps, private readonly jobs = Math.max(1, availableParallelism())) {}

  useDatabase(database: SignatureDatabase): void {
    const old = this.pool;
    this.pool = new WorkerPool(this.jobs, database, { maxFileSize: this.deps.maxFileSize, noFollow: true, archive: this.deps.archive ?? null });
    void old?.drain();
  }

  start(): void {
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    const { queue } = this.deps;
    while (!this.stopping) {
      await queue.waitForWork();
      if (this.stopping) break;
      for (const path of queue.take(64)) await this.submit(path);
      if (queue.size === 0 && queue.hasOverflow) await this.walkOverflow();
    }
  }

  private async submit(path: FsPath): Promise<void> {
    this.inFlight++;
    await this.pool!.submit(path, false, (reply) => void this.handle(reply));
  }

  private async handle(reply: WorkerReply): Promise<void> {
    try {
      if (!reply.ok) {
        // Abandoned because the agent is stopping: kept for the next start, like a queued file.
        if (reply.code === 'ETIMEDOUT' && this.stopping) {
          this.deps.queue.push(reply.path);
          return;
        }
        // A file that vanished before it was scanned is not an error worth an event.
        if (reply.code !== 'ENOENT') this.deps.events({ name: 'scan error', severity: 'warning', message: `${showPath(reply.path)}: ${reply.message}`, data: { path: showPath(reply.path), code: reply.code } });
        return;
      }
      this.scanned++;
      this.deps.onScanned?.(fsPathText(reply.outcome.path));
      if (reply.outcome.detections.length > 0) await this.deps.onDetected(reply.outcome);
    } catch (err) {
      this.deps.events({ name: 'scan error', severity: 'error', message: `handling ${reply.ok ? reply.outcome.path : reply.path} failed: ${(err as Error).message}` });
    } finally {
      this.inFlight--;
      if (this.inFlight === 0) for (const w of this.idle.splice(0)) w();
    }
  }

  /** Folders whose changes overflowed the queue: every file in them gets scanned. */
  private async walkOverflow(): Promise<void> {
    const dirs = this.deps.queue.takeOverflowDirs();
    for await (const item of walkPaths(dirs, { followSymlinks: false, exclude: this.deps.exclude })) {
      if (this.stopping) return;
      if (item.kind === 'file') await this.submit(item.path);
    }
  }

  /** Resolves when nothing is queued or being scanned. */
  async whenIdle(): Promise<void> {
    while (this.inFlight > 0 || this.deps.queue.size > 0) {
      await new Promise<void>((resolve) => this.idle.push(resolve));
    }
  }

  /**
   * Finishes what was submitted (queued paths not yet taken are left), then stops the workers.
   * A file still scanning after STOP_GRACE_MS is abandoned and put back in the queue, so SIGTERM
   * is never held up by one slow file.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    this.pool?.shortenDeadline(STOP_GRACE_MS);
    this.deps.queue.wake();
    await this.loop;
    while (this.inFlight > 0) await new Promise<void>((resolve) => this.idle.push(resolve));
    await this.pool?.drain();
  }
}
