/**
 * What one file's body scan may cost. Every anchor hit and every verification step counts;
 * a file that would need more than `workBase + workPerByte * size` steps is not scanned further
 * and its result says so (`limitExceeded`), as ClamAV reports Heuristics.Limits.Exceeded. Hash
 * signatures are still checked, and detections found before the limit are kept.
 */
export interface ScanLimits {
  /** Steps any file may take, however small (the cost of a few thousand worst-case hits). */
  readonly workBase: number;
  /** Steps per byte of the file on top of that. */
  readonly workPerByte: number;
  /** Anchor hits held at once before they are verified; more make the search go in smaller ranges. */
  readonly pendingHits: number;
}

/**
 * A step (an anchor hit, or one token tried while verifying) costs 100-200 ns here, so 32 steps
 * per byte end a hostile file at roughly 200 KB/s, and the base lets any small file take about
 * half a second. Signatures of the built-in set and the bench take well under one step per byte
 * on ordinary data; hit-dense data (a long run of one byte matching several anchors) is what
 * uses the room.
 */
export const DEFAULT_SCAN_LIMITS: ScanLimits = Object.freeze({ workBase: 1 << 22, workPerByte: 32, pendingHits: 1 << 16 });

/** The number of steps a file of `size` bytes may take. */
export function workAllowance(limits: ScanLimits, size: number): number {
  return limits.workBase + limits.workPerByte * size;
}
