import { Worker } from 'node:worker_threads';
import type { SignatureDatabase } from '../../scanner/signature-database.js';
import { compiledSibling } from '../compiled-path.js';
import { reviveFsPath, showPath, type FsPath } from '../fs-path.js';
import type { FileScanOptions } from './file-scan.js';
import type { Detection } from '../../scanner/types.js';
import { QuarantineError } from '../quarantine/quarantine-errors.js';
import type { ItemError, QuarantineItem } from '../quarantine/quarantine-item.js';
import type { PackageScanner } from '../quarantine/scan-package.js';
import type { FileTask, PackageReply, PackageTask, ReadyMessage, WorkerReply, WorkerTask } from './worker-messages.js';

type Reply = WorkerReply | PackageReply;
/** A task before the pool numbers it. */
type NewTask = Omit<FileTask, 'id'> | Omit<PackageTask, 'id'>;

/** Tasks queued per worker: enough to hide message latency, few enough to balance big files. */
const IN_FLIGHT_PER_WORKER = 4;

/** Thrown when a scan worker dies; carries its exit code or error as `cause`. */
export class ScanWorkerError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ScanWorkerError';
  }
}

interface Pending {
  readonly done: (reply: Reply) => void;
  /** Told when the pool fails before the reply came (package tasks, whose caller waits for each). */
  readonly abandon?: (err: Error) => void;
}

interface Slot {
  worker: Worker;
  inFlight: number;
  /** Tasks posted and not answered, oldest first: the worker answers them in this order. */
  readonly queue: WorkerTask[];
  /** When the oldest task started (was posted to an idle worker, or the one before it was answered). */
  headSince: number;
  /** False while the worker compiles its engine, which is not a file's time. */
  ready: boolean;
}

/** A file that takes longer than this is abandoned (ClamAV's default MaxScanTime is 120 s). */
export const SCAN_FILE_DEADLINE_MS = 120_000;

/**
 * Scan worker threads sharing one signature database. `submit` resolves when a worker has
 * room, which gives the producer (the tree walk) natural back-pressure. Files and quarantine
 * packages (the rescan) share the workers.
 */
export class WorkerPool implements PackageScanner {
  private readonly slots: Slot[];
  private readonly pending = new Map<number, Pending>();
  private readonly waiters: (() => void)[] = [];
  private nextId = 1;
  private failure: Error | null = null;

  private watchdog: NodeJS.Timeout;

  /**
   * `deadlineMs` bounds one file (or package): past it, the worker is stopped, the task is
   * answered with an ETIMEDOUT error, and a new worker takes the tasks queued behind it.
   */
  constructor(
    size: number,
    private readonly database: SignatureDatabase,
    private readonly options: FileScanOptions,
    private deadlineMs = SCAN_FILE_DEADLINE_MS,
  ) {
    this.slots = Array.from({ length: size }, () => {
      const slot: Slot = { worker: undefined as unknown as Worker, inFlight: 0, queue: [], headSince: 0, ready: false };
      slot.worker = this.startWorker(slot);
      return slot;
    });
    this.watchdog = this.startWatchdog();
  }

  private startWatchdog(): NodeJS.Timeout {
    const timer = setInterval(() => this.abandonOverdue(), Math.max(10, Math.min(1000, this.deadlineMs / 4)));
    timer.unref();
    return timer;
  }

  /**
   * Lowers the per-file deadline, e.g. to a short grace when the agent stops: a file already
   * scanning longer than that is abandoned (ETIMEDOUT) at the next check.
   */
  shortenDeadline(ms: number): void {
    if (ms >= this.deadlineMs) return;
    this.deadlineMs = ms;
    clearInterval(this.watchdog);
    this.watchdog = this.startWatchdog();
  }

  private startWorker(slot: Slot): Worker {
    const url = compiledSibling(import.meta.url, 'scan-worker.js');
    const worker = new Worker(url, { workerData: { database: this.database, options: this.options } });
    slot.ready = false;
    worker.on('message', (reply: Reply | ReadyMessage) => {
      // A worker being stopped for its deadline may still answer; its tasks are answered already.
      if (slot.worker !== worker) return;
      slot.headSince = Date.now();
      if ('ready' in reply) {
        slot.ready = true;
        return;
      }
      slot.queue.shift();
      this.answer(slot, reply);
    });
    worker.on('error', (err) => slot.worker === worker && this.fail(new ScanWorkerError(`scan worker failed: ${err.message}`, { cause: err })));
    worker.on('exit', (code) => {
      if (code !== 0 && !this.closing && slot.worker === worker) this.fail(new ScanWorkerError(`scan worker exited with code ${code}`));
    });
    return worker;
  }

  private answer(slot: Slot, reply: Reply): void {
    slot.inFlight--;
    const pending = this.pending.get(reply.id);
    this.pending.delete(reply.id);
    pending?.done(reply);
    this.waiters.shift()?.();
  }

  /** Stops a worker stuck on one task past the deadline; its other tasks go to a new worker. */
  private abandonOverdue(): void {
    const now = Date.now();
    for (const slot of this.slots) {
      const head = slot.queue[0];
      if (head === undefined || !slot.ready || this.closing || now - slot.headSince <= this.deadlineMs) continue;
      const stuck = slot.worker;
      const rest = slot.queue.splice(0);
      slot.worker = this.startWorker(slot);
      void stuck.terminate();
      const message = `scan abandoned after ${((now - slot.headSince) / 1000).toFixed(1)} s (the per-file deadline is ${this.deadlineMs / 1000} s)`;
      this.answer(slot, head.kind === 'file'
        ? { id: head.id, ok: false, path: reviveFsPath(head.path), code: 'ETIMEDOUT', message: `${showPath(reviveFsPath(head.path))}: ${message}` }
        : { id: head.id, ok: false, word: 'internal', message });
      slot.headSince = now;
      for (const task of rest.slice(1)) {
        slot.queue.push(task);
        slot.worker.postMessage(task);
      }
    }
  }

  private closing = false;

  private fail(err: Error): void {
    if (this.failure) return;
    this.failure = err;
    for (const [id, p] of this.pending) {
      if (p.abandon === undefined) continue;
      this.pending.delete(id);
      p.abandon(err);
    }
    for (const w of this.waiters.splice(0)) w();
  }

  /**
   * Queues a file; the returned promise resolves once queued, and `onDone` receives the reply.
   * @throws ScanWorkerError when a worker has died.
   */
  async submit(path: FsPath, followLink: boolean, onDone: (reply: WorkerReply) => void): Promise<void> {
    // A Buffer path comes back from the worker as a Uint8Array: made a Buffer again here.
    const done = (reply: Reply): void => {
      const r = reply as WorkerReply;
      onDone(r.ok ? { ...r, outcome: { ...r.outcome, path: reviveFsPath(r.outcome.path) } } : { ...r, path: reviveFsPath(r.path) });
    };
    await this.post({ kind: 'file', path, followLink }, { done });
  }

  /**
   * Queues a quarantine package for a rescan: decrypted and scanned in a worker, in memory only.
   * `onDone` gets the detections, or the QuarantineError (`missing`, `content`) that reading it raised.
   * @throws ScanWorkerError when a worker has died.
   */
  async submitPackage(blobPath: string, key: Buffer, item: QuarantineItem, onDone: (result: Detection[] | Error) => void): Promise<void> {
    const done = (reply: Reply): void => {
      const r = reply as PackageReply;
      if (r.ok) onDone(r.detections);
      else onDone(new QuarantineError(r.word as ItemError['word'], r.message, { id: item.id, path: blobPath }));
    };
    await this.post({ kind: 'package', blobPath, key, item }, { done, abandon: onDone });
  }

  private async post(newTask: NewTask, pending: Pending): Promise<void> {
    if (this.closing) throw new ScanWorkerError('the scan worker pool is closed');
    for (;;) {
      if (this.failure) throw this.failure;
      const slot = this.slots.reduce((a, b) => (b.inFlight < a.inFlight ? b : a));
      if (slot.inFlight < IN_FLIGHT_PER_WORKER) {
        const task = { ...newTask, id: this.nextId++ } as WorkerTask;
        slot.inFlight++;
        this.pending.set(task.id, pending);
        if (slot.queue.length === 0 && slot.ready) slot.headSince = Date.now();
        slot.queue.push(task);
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
    clearInterval(this.watchdog);
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}
