/**
 * LiveUpdate: checking a definitions source for a newer set and installing it.
 *
 * A source (config `definitions.source`) is either
 *   - a folder holding package files (`*.epqdefs`): their headers are read to see what each is;
 *   - an http(s) URL serving `<url>/index.json`:
 *       {"packages": [{"file": "defs-9.epqdefs", "sequence": 9, "kind": "full"},
 *                     {"file": "defs-8-9.epqdefs", "sequence": 9, "kind": "incremental", "baseSequence": 8}]}
 *     and the package files next to it (`<url>/<file>`).
 * From what is offered, planUpdate picks the highest sequence reachable from the active set,
 * preferring incremental chains (smaller) over full packages; the chain is installed in one go.
 * Reading each kind of source: folder-source.ts and http-source.ts.
 */
import { join } from 'node:path';
import { readPackageHeader } from '../../definitions/package-format.js';
import type { PackageManifest } from '../../definitions/package-manifest.js';
import type { DefinitionsStore } from './definitions-store.js';
import { readFolderOffer, readFolderPackage } from './folder-source.js';
import { fetchHttpPackage, readHttpOffer } from './http-source.js';
import { installDefinitions, refuse, type PackageInput } from './install-definitions.js';
import { describeCandidate, SourceRefused, SourceUnreachable, type SourceCandidate } from './source-offer.js';
import { describeError } from './store-errors.js';
import { syncWithStore, type UpdateContext } from './update-context.js';

export type CheckOutcome = 'installed' | 'up-to-date' | 'refused' | 'unreachable';

/** The result of one check; also what `last-check.json` holds. */
export interface CheckResult {
  readonly checkedAt: string;
  readonly source: string;
  readonly result: CheckOutcome;
  /** Installed: the new sequence; up-to-date: the active one; refused: the refused package's, when known. */
  readonly sequence?: number;
  readonly reason?: string;
  /** The sequence active after the check. */
  readonly activeSequence: number;
  /** The packages installed (in order), or the one refused. */
  readonly packages?: readonly string[];
  /** Folder sources: files that were not considered, with why (unreadable header...). */
  readonly skipped?: readonly string[];
}

export interface CheckContext extends UpdateContext {
  /** A folder path or an http(s) URL. */
  readonly source: string;
  /** Deadline of each HTTP request (default 30 s). */
  readonly timeoutMs?: number;
  /** Deadline to connect, and longest silence within a request (defaults 10 s and 30 s). */
  readonly connectTimeoutMs?: number;
  readonly idleTimeoutMs?: number;
  /** `network.proxy` (null or absent = from the environment). */
  readonly proxy?: string | null;
  /** Largest package accepted from a URL (default 512 MiB). */
  readonly maxPackageBytes?: number;
}

/** True for http:// and https:// sources; anything else is a folder path. */
export function isUrlSource(source: string): boolean {
  return /^https?:\/\//i.test(source);
}

/**
 * Picks the packages to install, in order, to reach the highest sequence reachable from
 * `activeSequence`: a full package reaches its sequence from anywhere, an incremental one only
 * from its base. Among the ways to the top, the fewest full packages win, then the fewest steps.
 * Sequences in `skip` (rolled back from) are never targets. Empty when nothing is newer.
 */
export function planUpdate(activeSequence: number, candidates: readonly SourceCandidate[], skip: readonly number[] = []): SourceCandidate[] {
  type Route = { fulls: number; steps: number; via: SourceCandidate | null; from: number | null };
  const usable = candidates.filter((c) => c.sequence > activeSequence && !skip.includes(c.sequence)).sort((a, b) => a.sequence - b.sequence);
  const best = new Map<number, Route>([[activeSequence, { fulls: 0, steps: 0, via: null, from: null }]]);
  const better = (a: Route, b: Route | undefined): boolean => !b || a.fulls < b.fulls || (a.fulls === b.fulls && a.steps < b.steps);
  for (const c of usable) {
    // Sequences only grow along a route, so every base of `c` is final by the time `c` is seen.
    const from = c.kind === 'full' ? activeSequence : c.baseSequence!;
    const start = best.get(from);
    if (!start) continue;
    const route: Route = { fulls: start.fulls + (c.kind === 'full' ? 1 : 0), steps: start.steps + 1, via: c, from };
    if (better(route, best.get(c.sequence))) best.set(c.sequence, route);
  }
  const top = Math.max(...best.keys());
  const plan: SourceCandidate[] = [];
  for (let at: number | null = top; at !== null && at !== activeSequence; at = best.get(at)!.from) plan.unshift(best.get(at)!.via!);
  return plan;
}

/**
 * Checks the source now and installs what is newer. Never throws: the outcome (and its reason)
 * is returned, recorded in `<stateDir>/definitions/last-check.json`, and reported as events
 * (`unable to connect` / `unable to access definition directory`, `definitions refused`, or the
 * install events).
 */
export async function checkForUpdates(ctx: CheckContext): Promise<CheckResult> {
  const checkedAt = new Date().toISOString();
  const base = { checkedAt, source: ctx.source };
  let result: CheckResult;
  try {
    result = { ...base, ...(await check(ctx)), activeSequence: ctx.definitions.current().sequence };
  } catch (err) {
    const activeSequence = ctx.definitions.current().sequence;
    if (err instanceof SourceUnreachable) {
      ctx.events({
        name: err.isUrl ? 'unable to connect' : 'unable to access definition directory',
        severity: 'warning',
        message: `Definitions source ${err.where}: ${err.reason}`,
        data: { source: ctx.source, url: err.where, reason: err.reason },
      });
      result = { ...base, result: 'unreachable', reason: `${err.where}: ${err.reason}`, activeSequence };
    } else if (err instanceof SourceRefused) {
      refuse(ctx, err.where, err.reason);
      result = { ...base, result: 'refused', reason: err.reason, activeSequence, packages: [err.where], ...(err.sequence === undefined ? {} : { sequence: err.sequence }) };
    } else {
      // A store problem (lock, disk): the check did not happen as it should; say so.
      result = { ...base, result: 'refused', reason: describeError(err), activeSequence };
    }
  }
  await ctx.store.writeLastCheck(result).catch(() => undefined);
  return result;
}

/** The last recorded check, or null. */
export async function readLastCheck(store: DefinitionsStore): Promise<CheckResult | null> {
  return store.readLastCheck<CheckResult>();
}

async function check(ctx: CheckContext): Promise<Omit<CheckResult, 'checkedAt' | 'source' | 'activeSequence'>> {
  const active = await syncWithStore(ctx);
  const url = isUrlSource(ctx.source);
  const offer = url ? await readHttpOffer(ctx) : await readFolderOffer(ctx.source);
  const pointer = await ctx.store.readPointer().catch(() => null);
  const plan = planUpdate(active.sequence, offer.candidates, pointer?.rolledBack ?? []);
  const skipped = offer.skipped.length > 0 ? { skipped: offer.skipped } : {};
  if (plan.length === 0) {
    const why = whyNothingApplies(active.sequence, offer.candidates, pointer?.rolledBack ?? []);
    return { result: 'up-to-date', sequence: active.sequence, ...(why ? { reason: why } : {}), ...skipped };
  }
  const inputs: PackageInput[] = [];
  for (const c of plan) inputs.push(url ? await fetchHttpPackage(ctx, c) : { bytes: await readFolderPackage(join(ctx.source, c.file)), name: join(ctx.source, c.file) });
  for (let i = 0; i < plan.length; i++) checkMatches(plan[i]!, inputs[i] as { bytes: Uint8Array; name: string });
  const installed = await installDefinitions(inputs, ctx);
  if (installed.installed) return { result: 'installed', sequence: installed.sequence, packages: installed.packages, ...skipped };
  const refusedSequence = plan.find((_c, i) => (inputs[i] as { name: string }).name === installed.package)?.sequence;
  return {
    result: 'refused',
    reason: installed.reason,
    packages: [installed.package],
    ...(refusedSequence === undefined ? {} : { sequence: refusedSequence }),
    ...skipped,
  };
}

/** When newer packages are offered but none applies, says why (rolled back from, or no base); else null. */
function whyNothingApplies(activeSequence: number, candidates: readonly SourceCandidate[], rolledBack: readonly number[]): string | null {
  const newer = candidates.filter((c) => c.sequence > activeSequence);
  if (newer.length === 0) return null;
  const skipped = [...new Set(newer.filter((c) => rolledBack.includes(c.sequence)).map((c) => c.sequence))];
  const orphans = newer.filter((c) => !rolledBack.includes(c.sequence)).map(describeCandidate);
  const parts: string[] = [];
  if (skipped.length > 0) parts.push(`sequence ${skipped.join(', ')} was rolled back from and is not installed again automatically (install it by hand to take it)`);
  if (orphans.length > 0) parts.push(`${orphans.join(', ')} offered, but none applies over the active sequence ${activeSequence}`);
  return parts.join('; ');
}

/** The package fetched is the one the index (or folder listing) described; else it is refused. */
function checkMatches(c: SourceCandidate, input: { bytes: Uint8Array; name: string }): void {
  let manifest: PackageManifest;
  try {
    manifest = readPackageHeader(input.bytes, input.name).manifest;
  } catch {
    return; // Not a package at all: install refuses it with the precise reason.
  }
  const said = describeCandidate(c);
  const holds = describeCandidate({ file: c.file, sequence: manifest.sequence, kind: manifest.kind, ...(manifest.baseSequence === undefined ? {} : { baseSequence: manifest.baseSequence }) });
  if (said !== holds) throw new SourceRefused(input.name, `the source lists it as ${said} but the package is ${holds}`, c.sequence);
}

// ---- polling ----

export interface UpdatePoller {
  /** Stops polling; resolves when a check in progress has finished. */
  stop(): Promise<void>;
}

export interface PollingOptions {
  /** Check once right away instead of waiting a first interval (default false). */
  readonly runNow?: boolean;
  /** Told each check's result (the agent's status, tests). */
  readonly onResult?: (result: CheckResult) => void;
}

/**
 * Checks the source every `intervalMs` (the next check is scheduled when one ends, so checks
 * never overlap). The timer does not keep the process alive.
 * @throws RangeError for an interval that is not a positive number.
 */
export function startUpdatePolling(intervalMs: number, ctx: CheckContext, options: PollingOptions = {}): UpdatePoller {
  if (!Number.isFinite(intervalMs) || intervalMs <= 0) throw new RangeError(`update interval must be a positive number of ms (got ${String(intervalMs)})`);
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const run = (): void => {
    running = checkForUpdates(ctx).then((result) => {
      try {
        options.onResult?.(result);
      } catch {
        // A listener's problem must not stop the polling.
      }
    }).then(() => {
      if (!stopped) schedule(intervalMs);
    });
  };
  const schedule = (delay: number): void => {
    timer = setTimeout(run, delay);
    timer.unref();
  };
  if (options.runNow) run();
  else schedule(intervalMs);
  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
