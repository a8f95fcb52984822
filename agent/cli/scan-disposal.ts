import type { ScanDefinitions } from '../../definitions/load-scan-definitions.js';
import type { Detection } from '../../scanner/types.js';
import { makeQuarantineRequest } from '../quarantine/detection-request.js';
import { QuarantineError } from '../quarantine/quarantine-errors.js';
import type { QuarantineRequest } from '../quarantine/quarantine-store.js';
import { relocateInfected, RelocateError, type RelocateMode } from '../scan/relocate-infected.js';
import type { QuarantineContext } from './agent-context.js';
import { showPath, type FsPath } from '../fs-path.js';

/** An infected file of a scan, with the identity it had when it was read. */
export type Found = { path: FsPath; dev: number; ino: number; detections: readonly Detection[] };

/** clamscan's --move/--copy: each infected file into a plain folder; failures are reported and the rest go on. */
export async function relocateAll(
  found: readonly Found[], mode: RelocateMode, folder: string, say: (line: string) => void, errors: { path: string; message: string }[],
): Promise<{ path: string; to: string }[]> {
  const done: { path: string; to: string }[] = [];
  for (const f of found) {
    try {
      const to = await relocateInfected(f, folder, mode);
      done.push({ path: showPath(f.path), to: showPath(to) });
      say(`${showPath(f.path)}: ${mode === 'move' ? 'moved' : 'copied'} to '${showPath(to)}'`);
    } catch (err) {
      if (!(err instanceof RelocateError)) throw err;
      errors.push({ path: showPath(f.path), message: err.message });
      say(`${showPath(f.path)}: ERROR ${err.message}`);
    }
  }
  return done;
}

/**
 * Quarantines every detection of the scan in one batch (a few fsync rounds for all of them).
 * A file that can't be quarantined is reported and the others go on.
 */
export async function quarantineAll(
  ctx: QuarantineContext,
  defs: ScanDefinitions,
  found: readonly Found[],
  say: (line: string) => void,
  errors: { path: string; message: string }[],
): Promise<{ path: string; id: string }[]> {
  const done: { path: string; id: string }[] = [];
  const requests: QuarantineRequest[] = [];
  const accepted: (typeof found)[number][] = [];
  for (const f of found) {
    try {
      requests.push(makeQuarantineRequest(ctx.config.root, defs, f, f.detections));
      accepted.push(f);
    } catch (err) {
      if (!(err instanceof QuarantineError)) throw err;
      errors.push({ path: showPath(f.path), message: `not quarantined: ${err.message}` });
      say(`${showPath(f.path)}: ERROR not quarantined: ${err.message}`);
    }
  }
  const results = await ctx.store.quarantineMany(requests);
  for (const [i, r] of results.entries()) {
    const f = accepted[i]!;
    if (!r.ok) {
      errors.push({ path: showPath(f.path), message: `not quarantined: ${r.error.message}` });
      say(`${showPath(f.path)}: ERROR not quarantined: ${r.error.message}`);
      continue;
    }
    const { item, originalRemoved } = r.outcome;
    done.push({ path: showPath(f.path), id: item.id });
    say(`${showPath(f.path)}: quarantined as ${item.id}${originalRemoved ? '' : ' (the original changed meanwhile and was left in place)'}${item.sideEffects.length > 0 ? ` with ${item.sideEffects.length} side effect(s)` : ''}`);
  }
  return done;
}
