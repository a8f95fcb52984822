/**
 * Carries out the tray's actions on the quarantine, the same calls the CLI commands make, and
 * sums each up as one message line.
 */
import { homedir } from 'node:os';
import { resolve } from 'node:path';
import type { QuarantineContext } from '../cli/agent-context.js';
import { deleteItem, exportItem } from '../quarantine/manage-items.js';
import { QuarantineError } from '../quarantine/quarantine-errors.js';
import { rescanQuarantine } from '../quarantine/rescan-quarantine.js';
import { restoreItem } from '../quarantine/restore-item.js';
import { openUpdateContext } from '../updates/update-context.js';
import { checkForUpdates, type CheckResult } from '../updates/update-source.js';
import type { TrayEffect, TrayMessage } from './tray-state.js';

type ActionEffect = Exclude<TrayEffect, { kind: 'quit' }>;

/** Told after each item of a batch, so a long batch can show "Restoring 120/503". */
export type BatchProgress = (done: number, total: number) => void;

/**
 * Runs one effect and describes the outcome. Never throws: a failure becomes an error message,
 * so that the view stays up and the terminal is never left in raw mode.
 */
export async function runTrayAction(ctx: QuarantineContext, effect: ActionEffect, progress: BatchProgress = () => undefined): Promise<TrayMessage> {
  try {
    switch (effect.kind) {
      case 'restore':
        return await restore(ctx, effect.ids, progress);
      case 'delete':
        return await perItem(effect.ids, 'Deleted', (id) => deleteItem(ctx.store, id, 'deleted by user').originalPath, progress);
      case 'export': {
        const dir = expandHome(effect.dir);
        return await perItem(effect.ids, 'Exported', (id) => exportItem(ctx.store, id, dir), progress);
      }
      case 'allow':
        return await allow(ctx, effect.ids);
      case 'update':
        return await update(ctx);
    }
  } catch (err) {
    return { text: `Failed: ${(err as Error).message}`, error: true };
  }
}

/** One item at a time, each all or nothing: a failed one stays in quarantine with its error. */
async function restore(ctx: QuarantineContext, ids: readonly string[], progress: BatchProgress): Promise<TrayMessage> {
  const done: string[] = [];
  const failed: string[] = [];
  for (const id of ids) {
    try {
      done.push((await restoreItem(ctx.store, id, { reason: 'restored by user' })).path);
    } catch (err) {
      if (!(err instanceof QuarantineError)) throw err;
      failed.push(`${id}: ${err.message}`);
    }
    progress(done.length + failed.length, ids.length);
  }
  return summary('Restored', done, failed);
}

/**
 * One call per id; a QuarantineError fails that item only. Yields to the event loop between
 * items so that the count on screen moves.
 */
async function perItem(ids: readonly string[], verb: string, act: (id: string) => string, progress: BatchProgress): Promise<TrayMessage> {
  const done: string[] = [];
  const failed: string[] = [];
  for (const id of ids) {
    try {
      done.push(act(id));
    } catch (err) {
      if (!(err instanceof QuarantineError)) throw err;
      failed.push(`${id}: ${err.message}`);
    }
    progress(done.length + failed.length, ids.length);
    await new Promise((resolve) => setImmediate(resolve));
  }
  return summary(verb, done, failed);
}

/**
 * "Allow application" for each item's SHA-256, then the rescan that restores what the new
 * exceptions cover, as `epq exceptions add` does.
 */
async function allow(ctx: QuarantineContext, ids: readonly string[]): Promise<TrayMessage> {
  const items = ids.map((id) => ctx.store.records.get(id)).filter((i) => i !== undefined);
  for (const item of items) ctx.exceptions.add('sha256', item.sha256);
  const outcomes = await rescanQuarantine(ctx.store, { exceptions: ctx.exceptions.matcher(), autoRestore: ctx.config.quarantine.autoRestore });
  const restored = outcomes.filter((o) => o.result === 'restored').map((o) => o.path);
  const kept = outcomes.filter((o) => o.result === 'kept').map((o) => `${o.id}: ${o.reason ?? 'kept'}`);
  const added = `Exception added for ${items.length} file(s)`;
  const result = summary('restored', restored, kept);
  return { text: `${added}; ${result.text}`, error: result.error || items.length < ids.length };
}

/** "Check for updates now": the configured LiveUpdate source, as `epq defs update` checks it. */
async function update(ctx: QuarantineContext): Promise<TrayMessage> {
  const { config } = ctx;
  const source = config.definitions.source;
  if (source === null) {
    return { text: 'No definitions source is configured (definitions.source); install packages with `epq defs install FILE`.', error: true };
  }
  // Events are not printed: the check's result carries the reason of a refusal or failure.
  const update = await openUpdateContext({ stateDir: config.stateDir, trustedKeyFiles: config.definitions.trustedKeys, keep: config.definitions.keep });
  return describeCheck(await checkForUpdates({ ...update, source }));
}

/** One line per check outcome. */
export function describeCheck(r: CheckResult): TrayMessage {
  switch (r.result) {
    case 'installed':
      return { text: `Definitions sequence ${r.sequence} installed from ${r.source}.`, error: false };
    case 'up-to-date':
      return { text: `Definitions are up to date (sequence ${r.activeSequence})${r.reason ? `: ${r.reason}` : '.'}`, error: false };
    case 'refused':
      return { text: `Update refused: ${r.reason ?? 'unknown reason'} (sequence ${r.activeSequence} stays active).`, error: true };
    case 'unreachable':
      return { text: `Update source unreachable: ${r.reason ?? r.source}.`, error: true };
  }
}

function summary(verb: string, done: readonly string[], failed: readonly string[]): TrayMessage {
  const parts: string[] = [];
  if (done.length > 0 || failed.length === 0) parts.push(`${verb} ${done.length} file(s)${done.length > 0 ? `: ${done.join(', ')}` : ''}`);
  if (failed.length > 0) parts.push(`${failed.length} failed: ${failed.join('; ')}`);
  return { text: parts.join('; '), error: failed.length > 0 };
}

function expandHome(dir: string): string {
  if (dir === '~') return homedir();
  return resolve(dir.startsWith('~/') ? `${homedir()}/${dir.slice(2)}` : dir);
}
