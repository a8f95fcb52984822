import type { LinePlacement } from './line-edit.js';
import type { FileSideEffect, LineSideEffect } from './side-effect.js';

/** How one side effect was put back. */
export type RestoreResult =
  | { readonly effect: FileSideEffect; readonly placement: 'created' | 'already-present' }
  | {
      readonly effect: LineSideEffect;
      readonly placement: LinePlacement;
      /** Where the line now is in its file. */
      readonly lineIndex: number;
      /** True when the whole file was gone and was created again to hold the line. */
      readonly fileCreated: boolean;
      /** Why the recorded position could not be used and the fallback placed the line. */
      readonly fallback?: string;
    };

/** A conflict that would stop a restore, as reported by the dry run. */
export interface RestoreConflict {
  /** System-namespace path of the side effect. */
  readonly path: string;
  readonly reason: string;
}

/** A restore that was carried out, with the way to take it back. */
export interface AppliedStep {
  readonly results: RestoreResult[];
  undo(): Promise<void>;
}

/**
 * One unit of a restore: a whole file, or all the lines of one file (restored together so that
 * lines recorded next to each other land next to each other again).
 */
export interface RestoreStep {
  readonly path: string;
  /** Why this step cannot be restored now, or undefined when it can. Touches nothing. */
  check(): Promise<string | undefined>;
  /** Restores; the step re-checks as it goes and throws on any problem, leaving nothing behind. */
  apply(): Promise<AppliedStep>;
}
