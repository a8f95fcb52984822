import type { FileScanOutcome } from './file-scan.js';

export interface WorkerTask {
  readonly id: number;
  readonly path: string;
  /** The walk reached this file through a symlink it was allowed to follow. */
  readonly followLink: boolean;
}

export type WorkerReply =
  | { readonly id: number; readonly ok: true; readonly outcome: FileScanOutcome }
  | { readonly id: number; readonly ok: false; readonly path: string; readonly code: string | undefined; readonly message: string };
