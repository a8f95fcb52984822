import type { Detection } from '../../scanner/types.js';
import type { FsPath } from '../fs-path.js';

/**
 * Where an item is in its life. `writing` and `restoring` are the in-flight phases that
 * start-up recovery finishes or rolls back; `complete` is "in quarantine".
 */
export type QuarantinePhase = 'writing' | 'stored' | 'complete' | 'restoring' | 'restored' | 'deleted';

/** Processing status, in the guide's vocabulary (Table A-1). */
export type SampleStatus =
  | 'Quarantined' | 'Submitted' | 'Released' | 'Needed' | 'Available' | 'Distribute' | 'Distributed'
  | 'Installed' | 'Not installed' | 'Unneeded' | 'Held' | 'Error' | 'Attention' | 'Restart';

/** Analysis state, in the guide's vocabulary (Tables ). */
export type SampleState = 'infected' | 'uninfected' | 'misfired' | 'error' | 'declined' | 'accepted' | 'receiving' | string;

/** A sample error word from the guide (Table A-6) and what happened. */
export interface ItemError {
  readonly word: 'content' | 'internal' | 'missing' | 'malformed' | 'declined' | 'overrun' | 'underrun' | 'lost' | 'type' | 'occupied' | 'changed';
  readonly message: string;
  readonly at: string;
}

export interface QuarantineItem {
  readonly id: string;
  readonly phase: QuarantinePhase;
  readonly fileName: string;
  /**
   * Where the file was, in the system namespace (without the configured root prefix). When the
   * path is not valid UTF-8 this is its display form (`\xNN` escapes) and `originalPathBytes`
   * holds it exactly; use `originalPathOf`.
   */
  readonly originalPath: string;
  readonly originalPathBytes: Buffer | null;
  readonly size: number;
  readonly sha256: string;
  readonly dev: number;
  readonly ino: number;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly atimeMs: number;
  readonly mtimeMs: number;
  /**
   * The same times to the nanosecond, which a restore gives back: decimal nanoseconds since the
   * epoch, as text so that JSON (CLI output, the control socket) carries them whole.
   */
  readonly atimeNs: string;
  readonly mtimeNs: string;
  readonly userName: string;
  readonly computer: string;
  readonly quarantinedAt: string;
  readonly virusName: string;
  readonly detections: readonly Detection[];
  readonly definitionsSequence: number;
  readonly status: SampleStatus;
  readonly state: SampleState;
  readonly errors: readonly ItemError[];
  readonly sideEffects: readonly StoredSideEffect[];
  readonly packageSize: number;
  readonly originalRemoved: boolean;
  /** Exact (bytes when the name is not valid UTF-8). */
  readonly restoreTarget: FsPath | null;
  readonly restoredAt: string | null;
}

/**
 * A side effect as stored with an item: the side-effect module's JSON description, plus, for
 * file effects, where its bytes sit in the package.
 */
export type StoredSideEffect = Readonly<Record<string, unknown>> & {
  readonly kind: string;
  readonly path: string;
  readonly removed?: boolean;
  readonly note?: string;
};

/** The exact original path of an item (system namespace). */
export function originalPathOf(item: Pick<QuarantineItem, 'originalPath' | 'originalPathBytes'>): FsPath {
  return item.originalPathBytes ?? item.originalPath;
}
