import type { FsPath } from '../fs-path.js';
import { close, closeSync, fsync, fsyncSync, open, openSync } from 'node:fs';

/**
 * Makes a rename, link, create or unlink in `dir` durable (the entry lives in the folder, not
 * the file).
 * @throws the system error of open or fsync (EIO, ENOENT, ...).
 */
export function fsyncDir(dir: FsPath): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * fsync(2) on the libuv thread pool. Several of these in flight at once reach the kernel
 * together, and ext4 (like most journalling filesystems) makes them durable in one journal
 * commit instead of one commit each: that is what makes a batch cheap.
 * @throws (rejects with) the system error of fsync.
 */
export function fsyncAsync(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fsync(fd, (err) => (err ? reject(err) : resolve())));
}

/**
 * fsyncs every folder in `dirs` once, concurrently.
 * @throws (rejects with) the first system error of open or fsync; every folder is still tried
 *   and closed.
 */
export async function fsyncDirs(dirs: Iterable<string>): Promise<void> {
  const results = await Promise.allSettled([...new Set(dirs)].map((dir) => fsyncDirAsync(dir)));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

/**
 * fsyncDir on the thread pool.
 * @throws (rejects with) the system error of open, fsync or close.
 */
export function fsyncDirAsync(dir: FsPath): Promise<void> {
  return new Promise((resolve, reject) => {
    open(dir, 'r', (err, fd) => {
      if (err) return reject(err);
      fsync(fd, (syncErr) => close(fd, (closeErr) => (syncErr ?? closeErr ? reject(syncErr ?? closeErr) : resolve())));
    });
  });
}
