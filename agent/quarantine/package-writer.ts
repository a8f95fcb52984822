import { createHash } from 'node:crypto';
import { closeSync, constants, openSync, readSync, unlinkSync, writevSync } from 'node:fs';
import type { FsPath } from '../fs-path.js';
import { fsyncAsync } from './fsync-dir.js';
import { PackageEncryptor } from './package-cipher.js';
import type { CapturedSideEffect } from './side-effect-port.js';

/**
 * Past this many bytes written, a file's writeback is started (an fsync on the thread pool)
 * while the rest is still being encrypted, so the disk works during the CPU-bound part instead
 * of only at the final fsync. Measured on 100 MB files, alternating runs: 5-45% more MB/s.
 */
const WRITEBACK_STEP = 32 << 20;

/**
 * A file being written that must be durable before anything points at it: fsyncs already
 * started are awaited with the final one, and the descriptor is closed only once none is in
 * flight.
 */
export class DurableFile {
  private readonly started: Promise<void>[] = [];
  private sinceSync = 0;
  private closed = false;

  private constructor(readonly path: FsPath, readonly fd: number, private readonly remove: () => void = () => unlinkSync(path)) {}

  /**
   * Creates `path` (O_EXCL: never an existing file, never through a symlink).
   * @throws the system error of open (EEXIST, EACCES, ...).
   */
  static create(path: FsPath, mode: number): DurableFile {
    return new DurableFile(path, openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, mode));
  }

  /**
   * Takes over a file just created (O_EXCL) by the caller, e.g. relative to a folder fd;
   * `remove` unlinks it the same way when it is discarded.
   */
  static adopt(path: FsPath, fd: number, remove: () => void): DurableFile {
    return new DurableFile(path, fd, remove);
  }

  /**
   * Writes all of `parts` at the current offset.
   * @throws the system error of write (ENOSPC, EIO, ...).
   */
  write(parts: readonly Buffer[]): void {
    let bytes = 0;
    for (const p of parts) bytes += p.length;
    let left = parts.filter((p) => p.length > 0);
    while (left.length > 0) {
      let n = writevSync(this.fd, left);
      // A short write is rare (a full disk or a signal); carry on from where it stopped.
      const rest: Buffer[] = [];
      for (const p of left) {
        if (n >= p.length) n -= p.length;
        else {
          rest.push(p.subarray(n));
          n = 0;
        }
      }
      left = rest;
    }
    this.sinceSync += bytes;
    if (this.sinceSync >= WRITEBACK_STEP) {
      this.sinceSync = 0;
      this.startSync();
    }
  }

  /** Starts an fsync without waiting; `sync()` waits for it. */
  startSync(): void {
    const p = fsyncAsync(this.fd);
    // Handled here so an early failure is not an unhandled rejection; sync() reports it.
    p.catch(() => {});
    this.started.push(p);
  }

  /**
   * Makes everything written durable, then closes the file.
   * @throws (rejects with) the system error of fsync or close; the file is closed either way.
   */
  async sync(): Promise<void> {
    this.startSync();
    const results = await Promise.allSettled(this.started.splice(0));
    this.close();
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /** Abandons the file: waits for fsyncs in flight, closes and unlinks it. Never throws. */
  async discard(): Promise<void> {
    await Promise.allSettled(this.started.splice(0));
    try {
      this.close();
    } catch {
      // Closing a file we are deleting cannot lose anything.
    }
    try {
      this.remove();
    } catch {
      // Already gone; recovery deletes any temp file left over.
    }
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
  }
}

export interface WrittenPackage {
  /** Bytes of the quarantined file itself (what was read, up to its end). */
  readonly size: number;
  readonly sha256: string;
  readonly packageSize: number;
}

/**
 * Streams the item's metadata, the original (read from `fd` until its end) and then the side-effect bytes through
 * the cipher into `out`. Small files take one read and one writev. Nothing is fsynced here.
 * @throws the system error of read or write.
 */
export function encryptInto(out: DurableFile, fd: number, key: Buffer, id: string, metadata: Buffer, captured: readonly CapturedSideEffect[], buf: Buffer): WrittenPackage {
  const hash = createHash('sha256');
  const enc = new PackageEncryptor(key, id, metadata);
  let pending: Buffer[] = [enc.start];
  let pendingBytes = enc.start.length;
  let size = 0;
  let packageSize = 0;
  const queue = (b: Buffer): void => {
    pending.push(b);
    pendingBytes += b.length;
    if (pendingBytes >= buf.length) flush();
  };
  const flush = (): void => {
    out.write(pending);
    packageSize += pendingBytes;
    pending = [];
    pendingBytes = 0;
  };
  for (;;) {
    const n = readSync(fd, buf, 0, buf.length, null);
    if (n === 0) break;
    const chunk = buf.subarray(0, n);
    hash.update(chunk);
    size += n;
    // update() returns a new buffer, so `buf` can be read into again before the write.
    queue(enc.update(chunk));
  }
  for (const c of captured) if (c.content) queue(enc.update(c.content));
  queue(enc.final());
  flush();
  return { size, sha256: hash.digest('hex'), packageSize };
}
