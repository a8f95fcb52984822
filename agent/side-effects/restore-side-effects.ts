import { makeFileStep } from './restore-file-step.js';
import { makeLinesStep } from './restore-lines-step.js';
import type { AppliedStep, RestoreConflict, RestoreResult, RestoreStep } from './restore-step.js';
import { normalOrRaw } from './remove-side-effects.js';
import { resolveRoot } from './rooted-path.js';
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
  for (const step of planSteps(realRoot, [{ effects, contents }], [])) {
    const reason = await step.check();
    if (reason !== undefined) conflicts.push({ path: step.path, reason });
  }
  return conflicts;
}

/**
 * Puts side effects back exactly as they were recorded: files with their bytes, mode, times and
 * (as root) owner; lines at their recorded position given the lines of their files that other
 * items still hold (`held`), or by the documented fallback. All or nothing: on the first failure
 * every step already done is undone (in reverse order) and the error is thrown. Results come in
 * the order of `effects`.
 * @param contents the bytes of file effects keyed by SHA-256 (see `splitFoundSideEffects`).
 * @throws SideEffectRestoreError naming the path and reason of the first failure, with
 *   `rollbackFailures` listing any undo that failed in turn; SideEffectPathError when the root
 *   itself is unusable.
 */
export async function restoreSideEffects(root: string, effects: readonly SideEffect[], contents: SideEffectContents, held: readonly LineSideEffect[] = []): Promise<RestoreResult[]> {
  const realRoot = await resolveRoot(root);
  return applyAll(realRoot, [{ effects, contents }], held).then((r) => r[0]!);
}

/** One item's side effects to put back, with the bytes of its file effects. */
export interface RestoreRequest {
  readonly effects: readonly SideEffect[];
  readonly contents: SideEffectContents;
}

/** How one item's restore ended: every effect back, or none of them and why. */
export type ItemRestoreOutcome = { readonly ok: true; readonly results: RestoreResult[] } | { readonly ok: false; readonly error: SideEffectRestoreError };

/**
 * Puts back the side effects of many items, all or nothing per item, with one rewrite per line
 * file for all of them. An item whose dry run finds a conflict fails alone. If applying the
 * rest together fails, it is all undone and the items are restored one at a time, so that only
 * the item at fault fails. `held` are the removed lines of the items that stay in quarantine.
 * @throws SideEffectPathError when the root itself is unusable.
 */
export async function restoreSideEffectsMany(root: string, items: readonly RestoreRequest[], held: readonly LineSideEffect[]): Promise<ItemRestoreOutcome[]> {
  const realRoot = await resolveRoot(root);
  const outcomes: ItemRestoreOutcome[] = new Array(items.length);
  const ready: number[] = [];
  for (const [i, item] of items.entries()) {
    const conflict = await firstConflict(planSteps(realRoot, [item], []));
    if (conflict === undefined) ready.push(i);
    else outcomes[i] = { ok: false, error: new SideEffectRestoreError(conflict.path, conflict.reason) };
  }
  const stillHeld = (except: (i: number) => boolean): LineSideEffect[] => [
    ...held,
    ...items.flatMap((item, i) => (except(i) ? [] : linesOf(item.effects))),
  ];
  try {
    const results = await applyAll(realRoot, ready.map((i) => items[i]!), stillHeld((i) => ready.includes(i)));
    ready.forEach((i, k) => (outcomes[i] = { ok: true, results: results[k]! }));
    return outcomes;
  } catch (err) {
    if (!(err instanceof SideEffectRestoreError)) throw err;
    if (ready.length === 1) {
      outcomes[ready[0]!] = { ok: false, error: err };
      return outcomes;
    }
  }
  for (const i of ready) {
    try {
      const [results] = await applyAll(realRoot, [items[i]!], stillHeld((j) => j === i || outcomes[j]?.ok === true));
      outcomes[i] = { ok: true, results: results! };
    } catch (err) {
      if (!(err instanceof SideEffectRestoreError)) throw err;
      outcomes[i] = { ok: false, error: err };
    }
  }
  return outcomes;
}

/**
 * Applies the steps of `items` in order, all or nothing; one result list per item.
 * @throws SideEffectRestoreError after undoing every step already done.
 */
async function applyAll(realRoot: string, items: readonly RestoreRequest[], held: readonly LineSideEffect[]): Promise<RestoreResult[][]> {
  const done: { step: RestoreStep; applied: AppliedStep }[] = [];
  for (const step of planSteps(realRoot, items, held)) {
    try {
      done.push({ step, applied: await step.apply() });
    } catch (err) {
      const rollbackFailures = await rollBack(done);
      throw new SideEffectRestoreError(step.path, reasonOf(err), { cause: err, rollbackFailures });
    }
  }
  const byEffect = new Map<SideEffect, RestoreResult>();
  for (const { applied } of done) for (const r of applied.results) byEffect.set(r.effect, r);
  return items.map((item) => item.effects.map((e) => byEffect.get(e)!));
}

async function firstConflict(steps: readonly RestoreStep[]): Promise<RestoreConflict | undefined> {
  for (const step of steps) {
    const reason = await step.check();
    if (reason !== undefined) return { path: step.path, reason };
  }
  return undefined;
}

function linesOf(effects: readonly SideEffect[]): LineSideEffect[] {
  return effects.filter((e): e is LineSideEffect => e.kind === 'line');
}

/**
 * One step per file effect, one per line file (for the lines of every item), in the order each
 * path first appears.
 */
function planSteps(realRoot: string, items: readonly RestoreRequest[], held: readonly LineSideEffect[]): RestoreStep[] {
  const steps: RestoreStep[] = [];
  const lineGroups = new Map<string, LineSideEffect[]>();
  for (const { effects, contents } of items) {
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
      steps.push(makeLinesStep(realRoot, effect.path, fresh, held.filter((h) => normalOrRaw(h.path) === key)));
    }
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

