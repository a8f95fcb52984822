/**
 * Carries out the tray's actions on the quarantine, the same calls the CLI commands make, and
 * sums each up as one message line.
 */
import { homedir } from 'node:os';
import { resolve } from 'node:path';
import type { EndpointApi, ItemFailure } from '../endpoint/endpoint-api.js';
import type { CheckResult } from '../updates/update-source.js';
import type { TrayEffect, TrayMessage } from './tray-state.js';

type ActionEffect = Exclude<TrayEffect, { kind: 'quit' }>;

/** Told after each item of a batch, so a long batch can show "Restoring 120/503". */
export type BatchProgress = (done: number, total: number) => void;

/**
 * Runs one effect on the endpoint (the running agent's, or this process's) and describes the
 * outcome. Never throws: a failure becomes an error message, so that the view stays up and the
 * terminal is never left in raw mode.
 */
/**
 * Runs a tray action through the endpoint (the agent's when it runs). Each is one batch, so
 * `progress` hears of it once, when the batch is done.
 */
export async function runTrayAction(endpoint: EndpointApi, effect: ActionEffect, progress: BatchProgress = () => undefined): Promise<TrayMessage> {
  try {
    switch (effect.kind) {
      case 'restore':
        return await restore(endpoint, effect.ids, progress);
      case 'delete': {
        const r = await endpoint.deleteItems(effect.ids);
        progress(effect.ids.length, effect.ids.length);
        return summary('Deleted', r.done.map((d) => d.path), failures(r.failed));
      }
      case 'export': {
        const r = await endpoint.exportItems(effect.ids, expandHome(effect.dir));
        progress(effect.ids.length, effect.ids.length);
        return summary('Exported', r.done.map((d) => d.path), failures(r.failed));
      }
      case 'allow':
        return await allow(endpoint, effect.ids);
      case 'update':
        return await update(endpoint);
    }
  } catch (err) {
    return { text: `Failed: ${(err as Error).message}`, error: true };
  }
}

/** One batch; an item still detected gets an exception (restore and allow), and the message says so. */
async function restore(endpoint: EndpointApi, ids: readonly string[], progress: BatchProgress): Promise<TrayMessage> {
  const r = await endpoint.restore({ ids, allow: true });
  progress(ids.length, ids.length);
  const result = summary('Restored', r.restored.map((d) => d.path), failures(r.failed));
  if (r.allowed.length === 0) return result;
  return { text: `${result.text}; exception added for ${r.allowed.length} still detected`, error: result.error };
}

function failures(failed: readonly ItemFailure[]): string[] {
  return failed.map((f) => `${f.id}: ${f.message}`);
}

/**
 * "Allow application" for each item's SHA-256, then the rescan that restores what the new
 * exceptions cover, as `epq exceptions add` does.
 */
async function allow(endpoint: EndpointApi, ids: readonly string[]): Promise<TrayMessage> {
  const r = await endpoint.allow(ids);
  const added = `Exception added for ${r.exceptions.length} file(s)`;
  const result = summary('restored', r.restored.map((o) => o.path), r.kept.map((o) => `${o.id}: ${o.reason}`));
  return { text: `${added}; ${result.text}`, error: result.error || r.missing.length > 0 };
}

/** "Check for updates now": the source the agent is configured with (or the config's, without an agent). */
async function update(endpoint: EndpointApi): Promise<TrayMessage> {
  const r = await endpoint.update();
  if (r['result'] === 'no-source') {
    return { text: 'No definitions source is configured (definitions.source); install packages with `epq defs install FILE`.', error: true };
  }
  return describeCheck(r as unknown as CheckResult);
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
