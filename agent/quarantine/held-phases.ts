import type { QuarantinePhase } from './quarantine-item.js';

/**
 * The phases of an item that is in quarantine: its package is (or is about to be) in the blob
 * folder. Defined once: the store's listing, recovery and the front ends agree on it.
 */
export const HELD_PHASES: readonly QuarantinePhase[] = ['stored', 'complete', 'restoring'];

const HELD: ReadonlySet<string> = new Set(HELD_PHASES);

export function isHeldPhase(phase: string): boolean {
  return HELD.has(phase);
}
