import type { Detection } from '../../scanner/types.js';
import type { EventSink } from '../events/agent-event.js';
import type { ExceptionMatcher } from '../exceptions/exception-list.js';
import { fsPathText, showPath, type FsPath } from '../fs-path.js';
import { makeQuarantineRequest } from '../quarantine/detection-request.js';
import { QuarantineError } from '../quarantine/quarantine-errors.js';
import type { QuarantineRequest } from '../quarantine/quarantine-store.js';
import type { FileScanOutcome } from '../scan/file-scan.js';
import { sha256File } from '../scan/sha256-file.js';
import type { ActiveDefinitions } from '../updates/active-definitions.js';
import type { DetectionBatcher } from './detection-batcher.js';

export interface DetectionHandlerDeps {
  readonly batcher: DetectionBatcher;
  readonly root: string;
  readonly definitions: ActiveDefinitions;
  readonly exceptions: () => ExceptionMatcher;
  readonly events: EventSink;
  readonly onQuarantined?: (id: string) => void;
  /** A detection the agent stopped before quarantining: its file is scanned at the next start. */
  readonly onDeferred?: (path: FsPath) => void;
}

/**
 * What the agent does with an on-access detection: drop what exceptions cover, then move the
 * file and its side effects into the quarantine through the batcher (detections arriving
 * together share a batch). A file that vanished or changed meanwhile is reported, not retried
 * blindly (the watcher reports the new version). Resolves when the detection is settled.
 */
export function createDetectionHandler(deps: DetectionHandlerDeps): (outcome: FileScanOutcome) => Promise<void> {
  return async (outcome) => {
    const found: readonly Detection[] = deps.exceptions().filter(fsPathText(outcome.path), outcome.detections, () => sha256File(outcome.path));
    if (found.length === 0) return;
    const defs = deps.definitions.current();
    let request: QuarantineRequest;
    try {
      request = makeQuarantineRequest(deps.root, defs, outcome, found);
    } catch (err) {
      if (!(err instanceof QuarantineError)) throw err;
      deps.events({ name: 'quarantine failed', severity: 'error', message: `${showPath(outcome.path)} (${found[0]!.signature}) not quarantined: ${err.message}`, data: { path: showPath(outcome.path), word: err.word } });
      return;
    }
    const path = showPath(request.path);
    const settled = await deps.batcher.submit(`${outcome.dev}:${outcome.ino}`, request);
    if (settled.kind === 'quarantined') deps.onQuarantined?.(settled.outcome.item.id);
    else if (settled.kind === 'deferred') deps.onDeferred?.(outcome.path);
    // Gone after an earlier try failed transiently: that try got far enough to take it.
    else if (!(settled.retried && settled.error.word === 'missing')) {
      deps.events({ name: 'quarantine failed', severity: 'error', message: `${path} (${found[0]!.signature}) not quarantined: ${settled.error.message}`, data: { path, word: settled.error.word } });
    }
  };
}
