import { Worker } from 'node:worker_threads';
import { compiledSibling } from '../compiled-path.js';
import type { WalkOptions } from './walk.js';

export interface CountAhead {
  /** Ends the count if it is still running (the scan finished first). */
  stop(): Promise<void>;
}

/**
 * Counts the files and bytes of a scan in a worker thread and calls `onTotal` once it knows
 * them. A failed count only means no ETA: it is ignored.
 */
export function startCountAhead(paths: readonly string[], options: WalkOptions, onTotal: (files: number, bytes: number) => void): CountAhead {
  const worker = new Worker(compiledSibling(import.meta.url, 'count-worker.js'), { workerData: { paths: [...paths], options: { followSymlinks: options.followSymlinks, exclude: [...options.exclude] } } });
  worker.unref();
  let stopped = false;
  worker.once('message', (total: { files: number; bytes: number } | null) => {
    if (!stopped && total) onTotal(total.files, total.bytes);
  });
  worker.on('error', () => undefined);
  return {
    async stop() {
      stopped = true;
      await worker.terminate();
    },
  };
}
