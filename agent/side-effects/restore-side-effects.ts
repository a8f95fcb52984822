import { makeFileStep } from './restore-file-step.js';
import { makeLinesStep } from './restore-lines-step.js';
import type { AppliedStep, RestoreConflict, RestoreResult, RestoreStep } from './restore-step.js';
import { checkSystemPath, resolveRoot } from './rooted-path.js';
import { SideEffectFileError, SideEffectPathError, SideEffectRestoreError, type RollbackFailure } from './side-effect-errors.js';
import type { LineSideEffect, SideEffect, SideEffectContents } from './side-effect.js';

export type { RestoreConflict, RestoreResult } from './restore-step.js';

/**
 * Dry run of `restoreSideEffects`: every reason the restore would be refused (a different file
 * in a companion's place, missing or corrupt packaged bytes, a path escaping the root, a line
 * file that is not editable text), without touching anything. Empty means it can go ahead.
 * @throws SideEffectPathError when the root itself is unusable.
 */
export async function checkRestorable(root: string, effects: readonly SideEffect[], contents: SideEffectContents): Promise<RestoreConflict[]> {
  const realRoot = await resolveRoot(root);
  const conflicts: RestoreConflict[] = [];
  for (const step of planSteps(realRoot, effects, contents)) {
    const reason = await step.check();
    if (reason !== undefined) conflicts.push({ path: step.path, reason });
  }
  return conflicts;
}

/**
 * Puts side effects back exactly as they were recorded: files with their bytes, mode, times and
 * (as root) owner; lines at their index when the neighbours still match, else after their
 * `before` line, else at the end. All or nothing: on the first failure every step already done
 * is undone (in reverse order) and the error is thrown. Results come in the order of `effects`.
 * @param contents the bytes of file effects keyed by SHA-256 (see `splitFoundSideEffects`).
 * @throws SideEffectRestoreError naming the path and reason of the first failure, with
 *   `rollbackFailures` listing any undo that failed in turn; SideEffectPathError when the root
 *   itself is unusable.
 */
export async function restoreSideEffects(root: string, effects: readonly SideEffect[], contents: SideEffectContents): Promise<RestoreResult[]> {
  const realRoot = await resolveRoot(root);
  const done: { step: RestoreStep; applied: AppliedStep }[] = [];
  for (const step of planSteps(realRoot, effects, contents)) {
    try {
      done.push({ step, applied: await step.apply() });
    } catch (err) {
      const rollbackFailures = await rollBack(done);
      throw new SideEffectRestoreError(step.path, reasonOf(err), { cause: err, rollbackFailures });
    }
  }
  const byEffect = new Map<SideEffect, RestoreResult>();
  for (const { applied } of done) for (const r of applied.results) byEffect.set(r.effect, r);
  return effects.map((e) => byEffect.get(e)!);
}

/** One step per file effect, one per line file, in the order each path first appears. */
function planSteps(realRoot: string, effects: readonly SideEffect[], contents: SideEffectContents): RestoreStep[] {
  const steps: RestoreStep[] = [];
  const lineGroups = new Map<string, LineSideEffect[]>();
  for (const effect of effects) {
    if (effect.kind === 'file') {
      steps.push(makeFileStep(realRoot, effect, contents));
      continue;
    }
    // Grouping by the normalised path keeps `/etc//crontab` and `/etc/crontab` one file; a
    // malformed path gets a step of its own so that it is reported, not silently merged.
    const key = normalOrRaw(effect.path);
    const group = lineGroups.get(key);
    if (group !== undefined) {
      group.push(effect);
      continue;
    }
    const fresh = [effect];
    lineGroups.set(key, fresh);
    steps.push(makeLinesStep(realRoot, effect.path, fresh));
  }
  return steps;
}

async function rollBack(done: readonly { step: RestoreStep; applied: AppliedStep }[]): Promise<RollbackFailure[]> {
  const failures: RollbackFailure[] = [];
  for (const { step, applied } of [...done].reverse()) {
    try {
      await applied.undo();
    } catch (error) {
      failures.push({ path: step.path, error });
    }
  }
  return failures;
}

function reasonOf(err: unknown): string {
  if (err instanceof SideEffectFileError || err instanceof SideEffectPathError) return err.reason;
  return err instanceof Error ? err.message : String(err);
}

function normalOrRaw(path: string): string {
  try {
    return checkSystemPath(path);
  } catch {
    return path;
  }
}
