import { listCompanions, type EpqMeta } from '../../definitions/epq-meta.js';
import type { Detection } from '../../scanner/types.js';
import type { FsPath } from '../fs-path.js';
import type { QuarantineRequest } from './quarantine-store.js';
import { toSystemPath } from './system-path.js';

/** A file a scan found, as both the agent's watcher and `epq scan` report it. */
export interface DetectedFile {
  /** Host path, under the configured root (bytes when the name is not UTF-8). */
  readonly path: FsPath;
  readonly dev: number;
  readonly ino: number;
}

/**
 * The quarantine request for a detection, built the same way on access and by `epq scan
 * --action quarantine`, so that both find and remove the same side effects: the system path
 * under `root`, and the companions every detecting signature declares (own entries only).
 * @throws QuarantineError `malformed` when the path is outside the root.
 */
export function makeQuarantineRequest(root: string, definitions: { readonly sequence: number | null; readonly meta: EpqMeta }, file: DetectedFile, detections: readonly Detection[]): QuarantineRequest {
  return {
    path: toSystemPath(root, file.path),
    detections,
    definitionsSequence: definitions.sequence ?? 0,
    companions: [...new Set(detections.flatMap((d) => listCompanions(definitions.meta, d.signature)))],
    expected: { dev: file.dev, ino: file.ino },
  };
}
