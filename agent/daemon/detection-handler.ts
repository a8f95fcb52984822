import type { Detection } from '../../scanner/types.js';
import type { EventSink } from '../events/agent-event.js';
import type { ExceptionMatcher } from '../exceptions/exception-list.js';
import { fsPathText, showPath } from '../fs-path.js';
import { QuarantineError } from '../quarantine/quarantine-errors.js';
import type { QuarantineStore } from '../quarantine/quarantine-store.js';
import { makeQuarantineRequest } from '../quarantine/detection-request.js';
import type { FileScanOutcome } from '../scan/file-scan.js';
import { sha256File } from '../scan/sha256-file.js';
import type { ActiveDefinitions } from '../updates/active-definitions.js';

export interface DetectionHandlerDeps {
  readonly store: QuarantineStore;
  readonly root: string;
  readonly definitions: ActiveDefinitions;
  readonly exceptions: () => ExceptionMatcher;
  readonly events: EventSink;
  readonly onQuarantined?: (id: string) => void;
}

/**
 * What the agent does with an on-access detection: drop what exceptions cover, then move the
 * file and its side effects into the quarantine. A file that vanished or changed meanwhile is
 * reported, not retried blindly (the watcher reports the new version).
 */
export function createDetectionHandler(deps: DetectionHandlerDeps): (outcome: FileScanOutcome) => Promise<void> {
  return async (outcome) => {
    const found: readonly Detection[] = deps.exceptions().filter(fsPathText(outcome.path), outcome.detections, () => sha256File(outcome.path));
    if (found.length === 0) return;
    const defs = deps.definitions.current();
    try {
      const { item } = await deps.store.quarantine(makeQuarantineRequest(deps.root, defs, outcome, found));
      deps.onQuarantined?.(item.id);
    } catch (err) {
      if (!(err instanceof QuarantineError)) throw err;
      deps.events({ name: 'quarantine failed', severity: 'error', message: `${showPath(outcome.path)} (${found[0]!.signature}) not quarantined: ${err.message}`, data: { path: showPath(outcome.path), word: err.word } });
    }
  };
}
