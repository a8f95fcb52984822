import {
  checkRestorable,
  findSideEffects,
  removeSideEffects,
  restoreSideEffects,
  type SideEffect,
  type SideEffectContents,
} from '../side-effects/index.js';
import type { StoredSideEffect } from './quarantine-item.js';
import type { CapturedSideEffect, SideEffectPort } from './side-effect-port.js';

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

/**
 * Connects the quarantine to the side-effects module for a root prefix: companion files and
 * persistence entries are found when a file is quarantined, removed after it, checked and put
 * back exactly when it is restored.
 */
export function createSideEffectPort(root: string): SideEffectPort {
  return {
    async find(detectedPath, companions) {
      const { effects } = await findSideEffects({ root, detectedPath, companions });
      return effects.map((found): CapturedSideEffect => {
        if (found.kind === 'file') {
          const { content, ...effect } = found;
          return { effect: effect as unknown as StoredSideEffect, content };
        }
        return { effect: found as unknown as StoredSideEffect };
      });
    },
    async remove(captured) {
      const results = await removeSideEffects(root, asEffects(captured.map((c) => c.effect)));
      return results.map((r, i) => ({
        ...captured[i]!.effect,
        removed: r.status === 'removed',
        ...(r.status !== 'removed' && { note: `${r.status}${r.reason ? `: ${r.reason}` : ''}` }),
      }));
    },
    async check(effects, contents) {
      const conflicts = await checkRestorable(root, asEffects(effects.filter((e) => e.removed !== false)), contentsByHash(effects, contents));
      return conflicts.map((c) => `${c.path}: ${c.reason}`);
    },
    async restore(effects, contents) {
      // Only what was taken away goes back: an entry left in place (changed) is still there.
      const taken = effects.filter((e) => e.removed !== false);
      const results = await restoreSideEffects(root, asEffects(taken), contentsByHash(effects, contents));
      return results.map((r) => `${r.effect.path}: ${r.placement}`);
    },
  };
}
