import { Worker } from 'node:worker_threads';
import type { SignatureDatabase } from '../../scanner/signature-database.js';
import { compiledSibling } from '../compiled-path.js';
import type { FileScanOptions } from './file-scan.js';
import type { WorkerReply, WorkerTask } from './worker-messages.js';

/** Tasks queued per worker: enough to hide message latency, few enough to balance big files. */
const IN_FLIGHT_PER_WORKER = 4;

/** Thrown when a scan worker dies; carries its exit code or error as `cause`. */
export class ScanWorkerError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ScanWorkerError';
  }
}

interface Slot {
  readonly worker: Worker;
  inFlight: number;
}

/**
 * Scan worker threads sharing one signature database. `submit` resolves when a worker has
 * room, which gives the producer (the tree walk) natural back-pressure.
 */
export class WorkerPool {
  private readonly slots: Slot[];
  private readonly pending = new Map<number, (reply: WorkerReply) => void>();
  private readonly waiters: (() => void)[] = [];
  private nextId = 1;
  private failure: Error | null = null;

  constructor(size: number, database: SignatureDatabase, options: FileScanOptions) {
    const url = compiledSibling(import.meta.url, 'scan-worker.js');
    this.slots = Array.from({ length: size }, () => {
      const worker = new Worker(url, { workerData: { database, options } });
      const slot: Slot = { worker, inFlight: 0 };
      worker.on('message', (reply: WorkerReply) => {
        slot.inFlight--;
        const done = this.pending.get(reply.id);
        this.pending.delete(reply.id);
        done?.(reply);
        this.waiters.shift()?.();
      });
      worker.on('error', (err) => this.fail(new ScanWorkerError(`scan worker failed: ${err.message}`, { cause: err })));
      worker.on('exit', (code) => {
        if (code !== 0 && !this.closing) this.fail(new ScanWorkerError(`scan worker exited with code ${code}`));
      });
      return slot;
    });
  }

  private closing = false;

  private fail(err: Error): void {
    if (this.failure) return;
    this.failure = err;
    for (const w of this.waiters.splice(0)) w();
  }

  /**
   * Queues a file; the returned promise resolves once queued, and `onDone` receives the reply.
   * @throws ScanWorkerError when a worker has died.
   */
  async submit(path: string, followLink: boolean, onDone: (reply: WorkerReply) => void): Promise<void> {
    for (;;) {
      if (this.failure) throw this.failure;
      const slot = this.slots.reduce((a, b) => (b.inFlight < a.inFlight ? b : a));
      if (slot.inFlight < IN_FLIGHT_PER_WORKER) {
        const task: WorkerTask = { id: this.nextId++, path, followLink };
        slot.inFlight++;
        this.pending.set(task.id, onDone);
        slot.worker.postMessage(task);
        return;
      }
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  /** Waits for every queued file, then stops the workers. @throws ScanWorkerError if one died. */
  async drain(): Promise<void> {
    while (this.pending.size > 0 && !this.failure) {
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    await this.close();
    if (this.failure) throw this.failure;
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}
