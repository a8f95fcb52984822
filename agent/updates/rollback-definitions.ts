/**
 * Going back to the previous kept definitions set: the newest stored set below the active one
 * that still verifies and passes the self-test. The set rolled back from is deleted from the
 * store and remembered in active.json (`rolledBack`) so that automatic updates don't bring it
 * straight back; installing it by hand is still possible.
 */
import type { EpqMeta } from '../../definitions/epq-meta.js';
import type { Engine } from '../../scanner/engine.js';
import { BUILTIN_SEQUENCE } from '../../definitions/builtin-set.js';
import { loadDefinitionsSet, type LoadedDefinitions } from './active-definitions.js';
import { describeError } from './store-errors.js';
import { syncWithStore, type UpdateContext } from './update-context.js';

export type RollbackResult =
  | {
      readonly rolledBack: true;
      /** The sequence that was active. */
      readonly from: number;
      /** The sequence now active. */
      readonly sequence: number;
      readonly created: string;
      readonly certified: boolean;
      readonly label: string;
      readonly engine: Engine;
      readonly meta: EpqMeta;
    }
  | { readonly rolledBack: false; readonly reason: string; readonly activeSequence: number };

/** Rolls back one set. Never throws: a refusal (nothing to go back to, store busy...) is data. */
export async function rollbackDefinitions(ctx: UpdateContext): Promise<RollbackResult> {
  try {
    return await ctx.store.withLock(() => rollbackLocked(ctx));
  } catch (err) {
    return { rolledBack: false, reason: describeError(err), activeSequence: ctx.definitions.current().sequence };
  }
}

async function rollbackLocked(ctx: UpdateContext): Promise<RollbackResult> {
  const active = await syncWithStore(ctx);
  const refused = (reason: string): RollbackResult => ({ rolledBack: false, reason, activeSequence: active.sequence });
  if (active.sequence === BUILTIN_SEQUENCE) return refused('the built-in definitions are active; there is no earlier set to roll back to');
  const older = (await ctx.store.listSets()).filter((s) => s.sequence < active.sequence);
  let target: LoadedDefinitions | null = null;
  const problems: string[] = [];
  for (const entry of older) {
    try {
      target = loadDefinitionsSet(await ctx.store.readSet(entry.sequence, ctx.trustedKeys), entry.path, null);
      break;
    } catch (err) {
      problems.push(`sequence ${entry.sequence}: ${describeError(err)}`);
    }
  }
  if (!target) {
    const why = problems.length > 0 ? ` (the kept ones fail to load: ${problems.join('; ')})` : '';
    return refused(`no earlier kept definitions set to roll back to from sequence ${active.sequence}${why}`);
  }
  const pointer = await ctx.store.readPointer().catch(() => null);
  const switched = await ctx.store.switchActive(target.sequence, 'rollback', [...(pointer?.rolledBack ?? []), active.sequence]);
  await ctx.store.removeSet(active.sequence).catch(() => undefined);
  await ctx.store.prune(target.sequence).catch(() => []);
  const loaded: LoadedDefinitions = { ...target, pointerId: switched.id };
  ctx.definitions.swap(loaded, 'rollback');
  ctx.events({
    name: 'definitions rolled back',
    severity: 'warning',
    message: `Definitions rolled back from sequence ${active.sequence} to ${loaded.sequence}`,
    data: { from: active.sequence, to: loaded.sequence, automatic: false },
  });
  return {
    rolledBack: true,
    from: active.sequence,
    sequence: loaded.sequence,
    created: loaded.created,
    certified: loaded.certified,
    label: loaded.label,
    engine: loaded.engine,
    meta: loaded.meta,
  };
}
