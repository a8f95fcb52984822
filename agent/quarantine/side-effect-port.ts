import type { StoredSideEffect } from './quarantine-item.js';

/** A side effect found for a detection; file effects carry their bytes for the package. */
export interface CapturedSideEffect {
  readonly effect: StoredSideEffect;
  readonly content?: Buffer;
}

/**
 * What the quarantine needs from the side-effects module. Kept as a port so the store's
 * crash-safety logic does not depend on how persistence entries are found.
 */
export interface SideEffectPort {
  find(detectedPath: string, companions: readonly string[]): Promise<readonly CapturedSideEffect[]>;
  /** Removes them; returns each effect annotated with `removed` and a `note` when left alone. */
  remove(captured: readonly CapturedSideEffect[]): Promise<StoredSideEffect[]>;
  /** Conflicts that would stop a restore, without touching anything. */
  check(effects: readonly StoredSideEffect[], contents: readonly (Buffer | undefined)[]): Promise<string[]>;
  /** Puts all back or none (throws naming the path); returns a note per effect. */
  restore(effects: readonly StoredSideEffect[], contents: readonly (Buffer | undefined)[]): Promise<string[]>;
}

/** For callers with no side effects to handle (and tests of the core store). */
export const NO_SIDE_EFFECTS: SideEffectPort = {
  find: async () => [],
  remove: async (captured) => captured.map((c) => c.effect),
  check: async () => [],
  restore: async () => [],
};
