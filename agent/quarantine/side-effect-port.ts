import type { StoredSideEffect } from './quarantine-item.js';

/** A side effect found for a detection; file effects carry their bytes for the package. */
export interface CapturedSideEffect {
  readonly effect: StoredSideEffect;
  readonly content?: Buffer;
}

/** One item's side effects to put back, with the package's part bytes by position. */
export interface SideEffectRestore {
  readonly effects: readonly StoredSideEffect[];
  readonly contents: readonly (Buffer | undefined)[];
}

/**
 * Whether systemd was asked to reload its units after a unit file was removed or put back:
 * `requested` (systemctl ran), or `needed` (no systemctl, a root prefix other than `/`, or it
 * failed: the admin must run `systemctl daemon-reload`).
 */
export type DaemonReload = 'requested' | 'needed';

/** How one item's side effects went back: all of them, or none and why. */
export type SideEffectRestoreOutcome =
  | { readonly ok: true; readonly notes: string[]; readonly daemonReload?: DaemonReload }
  | { readonly ok: false; readonly error: Error };

/**
 * What the quarantine needs from the side-effects module. Kept as a port so the store's
 * crash-safety logic does not depend on how persistence entries are found. `held` is always
 * every stored effect of the other items whose side effects are out of the system (what lets a
 * line go back exactly where it stood); callers serialise remove and restore (see
 * side-effect-edits.ts).
 */
export interface SideEffectPort {
  /**
   * The side effects of a detection, and what the search skipped and why (a companion pattern
   * over the limits, the companion cap, an unreadable file...), as readable lines.
   */
  find(detectedPath: string, companions: readonly string[]): Promise<{ readonly captured: readonly CapturedSideEffect[]; readonly warnings: readonly string[] }>;
  /**
   * Removes the side effects of many items, one pass per persistence file; returns each item's
   * effects annotated with `removed` (and a `note` when left alone), in order.
   */
  remove(items: readonly (readonly CapturedSideEffect[])[], held: readonly StoredSideEffect[]): Promise<StoredSideEffect[][]>;
  /** Conflicts that would stop a restore, without touching anything. */
  check(effects: readonly StoredSideEffect[], contents: readonly (Buffer | undefined)[]): Promise<string[]>;
  /** Puts back each item's side effects, all or none per item; one outcome per item, in order. */
  restore(items: readonly SideEffectRestore[], held: readonly StoredSideEffect[]): Promise<SideEffectRestoreOutcome[]>;
}

/** For callers with no side effects to handle (and tests of the core store). */
export const NO_SIDE_EFFECTS: SideEffectPort = {
  find: async () => ({ captured: [], warnings: [] }),
  remove: async (items) => items.map((captured) => captured.map((c) => c.effect)),
  check: async () => [],
  restore: async (items) => items.map(() => ({ ok: true, notes: [] })),
};
