import { requestDaemonReload } from '../side-effects/daemon-reload.js';
import {
  checkRestorable,
  findSideEffects,
  removeSideEffectsMany,
  restoreSideEffectsMany,
  type LineSideEffect,
  type RemoveResult,
  type RestoreResult,
  type SideEffect,
  type SideEffectContents,
} from '../side-effects/index.js';
import type { StoredSideEffect } from './quarantine-item.js';
import type { CapturedSideEffect, DaemonReload, SideEffectPort, SideEffectRestoreOutcome } from './side-effect-port.js';

/** Package parts come by position; the side-effects module keys file bytes by their SHA-256. */
function contentsByHash(effects: readonly StoredSideEffect[], contents: readonly (Buffer | undefined)[]): SideEffectContents {
  const map = new Map<string, Uint8Array>();
  effects.forEach((e, i) => {
    const bytes = contents[i];
    if (e.kind === 'file' && bytes) map.set(String(e['sha256']), bytes);
  });
  return map;
}

const asEffects = (stored: readonly StoredSideEffect[]): SideEffect[] => stored as unknown as SideEffect[];

/** The removed lines among other items' stored effects: what the files lack because of them. */
function heldLines(held: readonly StoredSideEffect[]): LineSideEffect[] {
  return held.filter((e) => e.kind === 'line' && e.removed === true) as unknown as LineSideEffect[];
}

const isUnit = (e: SideEffect | StoredSideEffect): boolean => e.kind === 'file' && e['role' as keyof typeof e] === 'systemd-unit';

/**
 * Connects the quarantine to the side-effects module for a root prefix: companion files and
 * persistence entries are found when a file is quarantined, removed after it, checked and put
 * back exactly when it is restored. When a systemd unit file was removed or put back, systemd is
 * asked to reload (or the need is reported, see `DaemonReload`).
 */
export function createSideEffectPort(root: string): SideEffectPort {
  return {
    async find(detectedPath, companions) {
      const { effects, warnings } = await findSideEffects({ root, detectedPath, companions });
      const captured = effects.map((found): CapturedSideEffect => {
        if (found.kind === 'file') {
          const { content, ...effect } = found;
          return { effect: effect as unknown as StoredSideEffect, content };
        }
        return { effect: found as unknown as StoredSideEffect };
      });
      return { captured, warnings: warnings.map((w) => `${w.path}: ${w.reason}`) };
    },
    async remove(items, held) {
      const results = await removeSideEffectsMany(root, items.map((captured) => asEffects(captured.map((c) => c.effect))), heldLines(held));
      const units = results.flat().some((r) => r.status === 'removed' && isUnit(r.effect));
      const reload = units ? (await requestDaemonReload(root)).state : undefined;
      return results.map((group, g) => group.map((r, i) => storedRemoval(items[g]![i]!.effect, r, reload)));
    },
    async check(effects, contents) {
      const conflicts = await checkRestorable(root, asEffects(effects.filter((e) => e.removed !== false)), contentsByHash(effects, contents));
      return conflicts.map((c) => `${c.path}: ${c.reason}`);
    },
    async restore(items, held) {
      // Only what was taken away goes back: an entry left in place (changed) is still there.
      const requests = items.map((item) => ({ effects: asEffects(item.effects.filter((e) => e.removed !== false)), contents: contentsByHash(item.effects, item.contents) }));
      const outcomes = await restoreSideEffectsMany(root, requests, heldLines(held));
      const units = outcomes.some((o) => o.ok && o.results.some((r) => r.placement === 'created' && isUnit(r.effect)));
      const reload = units ? await requestDaemonReload(root) : undefined;
      return outcomes.map((o): SideEffectRestoreOutcome => {
        if (!o.ok) return { ok: false, error: o.error };
        const notes = o.results.map(noteOf);
        const mine = reload !== undefined && o.results.some((r) => r.placement === 'created' && isUnit(r.effect));
        if (!mine) return { ok: true, notes };
        notes.push(reload.state === 'requested' ? 'systemd: daemon-reload requested' : `systemd: daemon-reload needed (${reload.reason ?? 'not run'})`);
        return { ok: true, notes, daemonReload: reload.state };
      });
    },
  };
}

function storedRemoval(captured: StoredSideEffect, r: RemoveResult, reload: DaemonReload | undefined): StoredSideEffect {
  // A removed line carries its position; everything else is stored as it was found.
  const effect = r.status === 'removed' ? (r.effect as unknown as StoredSideEffect) : captured;
  return {
    ...effect,
    removed: r.status === 'removed',
    ...(r.status !== 'removed' && { note: `${r.status}${r.reason ? `: ${r.reason}` : ''}` }),
    ...(r.status === 'removed' && reload !== undefined && isUnit(r.effect) && { daemonReload: reload }),
  };
}

function noteOf(r: RestoreResult): string {
  const fallback = 'fallback' in r && r.fallback !== undefined ? ` (fallback: ${r.fallback})` : '';
  return `${r.effect.path}: ${r.placement}${fallback}`;
}
