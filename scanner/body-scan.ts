import type { BodyMatcher } from './body-matcher.js';
import type { CompiledPart } from './compiled-part.js';
import { resolveOffset } from './offset-syntax.js';
import { matchBackward, matchForward, type MatchView } from './part-matcher.js';
import type { Detection } from './types.js';
import { DEFAULT_SCAN_LIMITS, workAllowance, type ScanLimits } from './scan-limits.js';
import type { HitHandler } from './wu-manber.js';
import { acquireWindow, releaseWindow } from './window-pool.js';

/** Progress of one signature through its parts within one file. */
interface SigProgress {
  next: number;
  lo: number;
  hi: number;
  firstStart: number;
  lastEnd: number;
  /** The lower bound the last matched part had to respect (to retry it for an earlier end). */
  lastLo: number;
  lastHi: number;
  done: boolean;
}

export const DEFAULT_CHUNK = 1 << 20;

/**
 * Streams one file through the body matcher. Bytes go into a window that keeps `behind` bytes
 * before the search frontier and holds back `lookahead` bytes until more data (or the end)
 * arrives, so a pattern split across two reads is matched exactly as if read at once.
 */
export class BodyScan {
  private window: Uint8Array;
  private readonly view: MatchView;
  private frontier = 0;
  private readonly progress = new Map<number, SigProgress>();
  /** Anchor hits waiting to be verified: `hits` of them, in typed arrays that never outgrow `pendingHits` (but at one position). */
  private hitPos: Float64Array;
  private hitPart: Int32Array;
  private hits = 0;
  readonly detections: Detection[] = [];
  /** Why the scan stopped before the end (its cost limit), or null. */
  limitExceeded: string | null = null;
  private readonly allowance: number;

  constructor(
    private readonly matcher: BodyMatcher,
    private readonly size: number,
    chunk = DEFAULT_CHUNK,
    private readonly limits: ScanLimits = DEFAULT_SCAN_LIMITS,
  ) {
    // A small file needs no more window than its own size.
    this.window = acquireWindow(Math.min(chunk, Math.max(size, 1)) + matcher.behind + matcher.lookahead + 64);
    this.view = { data: this.window, base: 0, limit: 0, work: 0 };
    this.allowance = workAllowance(limits, size);
    const room = Math.min(limits.pendingHits, 1024);
    this.hitPos = new Float64Array(room);
    this.hitPart = new Int32Array(room);
  }

  private pushHit(pos: number, id: number): void {
    if (this.hits === this.hitPos.length) {
      const pos2 = new Float64Array(this.hits * 2);
      const part2 = new Int32Array(this.hits * 2);
      pos2.set(this.hitPos);
      part2.set(this.hitPart);
      this.hitPos = pos2;
      this.hitPart = part2;
    }
    this.hitPos[this.hits] = pos;
    this.hitPart[this.hits++] = id;
  }

  /** Steps taken so far (anchor hits and verification). */
  get work(): number {
    return this.view.work;
  }

  /** Free space at the end of the window, at least `min` bytes, to read the next bytes into. */
  writable(min = 1): Uint8Array {
    const used = this.view.limit - this.view.base;
    if (this.window.length - used < min) this.compact(min);
    const start = this.view.limit - this.view.base;
    return this.window.subarray(start);
  }

  commit(n: number): void {
    this.view.limit += n;
    this.search(false);
  }

  /** Runs the last search; the window goes back to the pool, so call it exactly once. */
  finish(): void {
    this.search(true);
    releaseWindow(this.window);
  }

  private compact(min: number): void {
    const keepFrom = Math.max(this.view.base, this.frontier - this.matcher.behind);
    const used = this.view.limit - keepFrom;
    if (this.window.length - used < min) {
      const bigger = new Uint8Array(used + min + this.matcher.behind + this.matcher.lookahead);
      bigger.set(this.window.subarray(keepFrom - this.view.base, this.view.limit - this.view.base));
      this.window = bigger;
      this.view.data = bigger;
    } else {
      this.window.copyWithin(0, keepFrom - this.view.base, this.view.limit - this.view.base);
    }
    this.view.base = keepFrom;
  }

  private search(final: boolean): void {
    const { base, limit } = this.view;
    const to = final ? limit : limit - this.matcher.lookahead;
    if (to <= this.frontier) return;
    if (this.limitExceeded === null) this.searchRange(this.frontier - base, to - base, limit - base);
    this.frontier = to;
  }

  /**
   * Finds and verifies the hits starting in [from, end) (window indexes). Hits are sorted before
   * they are verified (the search reports them lane by lane), so they are held first. A slice
   * that holds more than `pendingHits` is given up and searched again in slices 16 times smaller,
   * which then grow back while the data allows: memory stays bounded whatever the data, and the
   * work given up costs at most about as much as the work done.
   */
  private searchRange(from: number, end: number, dataEnd: number): void {
    let size = end - from;
    let at = from;
    while (at < end) {
      const stop = Math.min(end, at + size);
      const overflow = this.collectHits(at, stop, dataEnd);
      if (this.checkBudget()) break;
      if (overflow) {
        size = Math.max(1, size >> 4);
        continue;
      }
      if (this.hits > 0) this.handleHits();
      if (this.limitExceeded !== null) break;
      at = stop;
      size = Math.min(size * 2, end - from);
    }
    this.hits = 0;
  }

  /** Collects the hits starting in [from, end); true when they were more than `pendingHits` (then dropped). */
  private collectHits(from: number, end: number, dataEnd: number): boolean {
    const base = this.view.base;
    // At a single position every hit is kept: at most one per part, bounded by the database.
    const cap = end - from <= 1 ? Infinity : this.limits.pendingHits;
    let overflow = false;
    const onHit = (start: number, id: number): boolean => {
      if (++this.view.work > this.allowance) return true;
      if (this.hits >= cap) {
        overflow = true;
        return true;
      }
      this.pushHit(start + base, id);
      return false;
    };
    let stopped = false;
    for (const wm of this.matcher.searches) if ((stopped = wm.search(this.window, from, end, dataEnd, onHit))) break;
    for (const id of this.matcher.shortParts) if (stopped || (stopped = this.searchShort(id, from, end, onHit))) break;
    if (overflow) this.hits = 0;
    return overflow;
  }

  /** True (and the scan stops) once the file has used its allowance of steps. */
  private checkBudget(): boolean {
    if (this.limitExceeded !== null) return true;
    if (this.view.work <= this.allowance) return false;
    this.limitExceeded = `body scan cost limit exceeded (${this.view.work} steps, at most ${this.limits.workBase} + ${this.limits.workPerByte} per byte)`;
    return true;
  }

  /** As WuManber.search, for one part whose anchor is under 2 bytes. */
  private searchShort(id: number, from: number, to: number, onHit: HitHandler): boolean {
    const anchor = this.matcher.parts[id]!.anchor;
    if (anchor.length === 0) {
      for (let i = from; i < to; i++) if (onHit(i, id)) return true;
      return false;
    }
    for (let i = this.window.indexOf(anchor[0]!, from); i >= 0 && i < to; i = this.window.indexOf(anchor[0]!, i + 1)) {
      if (onHit(i, id)) return true;
    }
    return false;
  }

  private handleHits(): void {
    const n = this.hits;
    const pos = this.hitPos;
    const part = this.hitPart;
    // Within one lane hits come in order, so a small range's hits usually need no sort.
    let sorted = true;
    for (let i = 1; i < n && sorted; i++) sorted = pos[i - 1]! < pos[i]! || (pos[i - 1] === pos[i] && part[i - 1]! <= part[i]!);
    if (sorted) {
      for (let i = 0; i < n && !this.checkBudget(); i++) this.handleHit(pos[i]!, this.matcher.parts[part[i]!]!);
      this.hits = 0;
      return;
    }
    // Parts must be met in file order; the search reports hits lane by lane, so sort them.
    const order = Array.from({ length: n }, (_, i) => i);
    order.sort((a, b) => pos[a]! - pos[b]! || part[a]! - part[b]!);
    for (let k = 0; k < n && !this.checkBudget(); k++) {
      const i = order[k]!;
      this.handleHit(pos[i]!, this.matcher.parts[part[i]!]!);
    }
    this.hits = 0;
  }

  private progressOf(sig: number): SigProgress {
    let p = this.progress.get(sig);
    if (!p) {
      const range = resolveOffset(this.matcher.signatures[sig]!.offset, this.size);
      p = { next: 0, lo: range?.lo ?? 0, hi: range?.hi ?? 0, firstStart: -1, lastEnd: -1, lastLo: 0, lastHi: 0, done: range === null };
      this.progress.set(sig, p);
    }
    return p;
  }

  private handleHit(anchorPos: number, part: CompiledPart): void {
    const p = this.progressOf(part.sig);
    if (p.done) return;
    if (part.index === p.next) {
      const lo = part.index === 0 ? p.lo : p.lastEnd + part.minGapBefore;
      const hi = part.index === 0 ? p.hi : Number.MAX_SAFE_INTEGER;
      const m = this.matchPart(part, anchorPos, lo, hi);
      if (!m) return;
      if (part.index === 0) p.firstStart = m.start;
      p.lastEnd = m.end;
      p.lastLo = lo;
      p.lastHi = hi;
      p.next++;
      if (p.next === this.matcher.partCounts[part.sig]) {
        p.done = true;
        this.detections.push({ signature: this.matcher.signatures[part.sig]!.name, kind: 'body', offset: p.firstStart });
      }
    } else if (part.index === p.next - 1) {
      // A later occurrence of a variable-length part can end sooner, leaving more room for the next.
      const m = this.matchPart(part, anchorPos, p.lastLo, p.lastHi);
      if (m && m.end < p.lastEnd) {
        p.lastEnd = m.end;
        if (part.index === 0) p.firstStart = m.start;
      }
    }
  }

  private matchPart(part: CompiledPart, anchorPos: number, lo: number, hi: number): { start: number; end: number } | null {
    if (anchorPos - part.maxBefore > hi) return null;
    const view = this.view;
    const anchorEnd = anchorPos + part.anchor.length;
    if (anchorEnd > view.limit) return null;
    if (part.anchor.length === 1 || part.anchor.length === 0) {
      // Short anchors were found by first byte only (or not at all).
      for (let k = 0; k < part.anchor.length; k++) if (view.data[anchorPos - view.base + k] !== part.anchor[k]) return null;
    }
    const start = matchBackward(part.before, 0, anchorPos, lo, hi, view, part.branchy ? new Map() : null);
    if (start < 0) return null;
    const end = matchForward(part.after, 0, anchorEnd, view, part.branchy ? new Map() : null);
    return end < 0 ? null : { start, end };
  }
}
