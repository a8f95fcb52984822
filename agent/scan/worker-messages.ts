import type { Detection } from '../../scanner/types.js';
import type { QuarantineItem } from '../quarantine/quarantine-item.js';
import type { FsPath } from '../fs-path.js';
import type { FileScanOutcome } from './file-scan.js';

/** A file on disk. */
export interface FileTask {
  readonly kind: 'file';
  readonly id: number;
  /** A Buffer arrives as a Uint8Array (structured clone): see `reviveFsPath`. */
  readonly path: FsPath | Uint8Array;
  /** The walk reached this file through a symlink it was allowed to follow. */
  readonly followLink: boolean;
}

/** A quarantine package, decrypted in the worker's memory and never written anywhere. */
export interface PackageTask {
  readonly kind: 'package';
  readonly id: number;
  readonly blobPath: string;
  readonly key: Uint8Array;
  readonly item: QuarantineItem;
}

export type WorkerTask = FileTask | PackageTask;

export type WorkerReply =
  | { readonly id: number; readonly ok: true; readonly outcome: FileScanOutcome }
  | { readonly id: number; readonly ok: false; readonly path: FsPath; readonly code: string | undefined; readonly message: string };

export type PackageReply =
  | { readonly id: number; readonly ok: true; readonly detections: Detection[] }
  | { readonly id: number; readonly ok: false; readonly word: string; readonly message: string };

/** Sent once by a worker when its engine is compiled: the per-file deadline counts from then. */
export interface ReadyMessage {
  readonly ready: true;
}
