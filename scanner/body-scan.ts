import type { BodyMatcher } from './body-matcher.js';
import type { CompiledPart } from './compiled-part.js';
import { resolveOffset } from './offset-syntax.js';
import { matchBackward, matchForward, type MatchView } from './part-matcher.js';
import type { Detection } from './types.js';
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
  private readonly hitPos: number[] = [];
  private readonly hitPart: number[] = [];
  readonly detections: Detection[] = [];

  constructor(private readonly matcher: BodyMatcher, private readonly size: number, chunk = DEFAULT_CHUNK) {
    // A small file needs no more window than its own size.
    this.window = acquireWindow(Math.min(chunk, Math.max(size, 1)) + matcher.behind + matcher.lookahead + 64);
    this.view = { data: this.window, base: 0, limit: 0 };
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
    const from = this.frontier - base;
    const end = to - base;
    const dataEnd = limit - base;
    const data = this.window;
    const onHit = (start: number, id: number): void => {
      this.hitPos.push(start + base);
      this.hitPart.push(id);
    };
    for (const wm of this.matcher.searches) wm.search(data, from, end, dataEnd, onHit);
    for (const id of this.matcher.shortParts) this.searchShort(id, from, end, onHit);
    this.frontier = to;
    if (this.hitPos.length > 0) this.handleHits();
  }

  private searchShort(id: number, from: number, to: number, onHit: (start: number, id: number) => void): void {
    const anchor = this.matcher.parts[id]!.anchor;
    if (anchor.length === 0) {
      for (let i = from; i < to; i++) onHit(i, id);
      return;
    }
    for (let i = this.window.indexOf(anchor[0]!, from); i >= 0 && i < to; i = this.window.indexOf(anchor[0]!, i + 1)) {
      onHit(i, id);
    }
  }

  private handleHits(): void {
    const n = this.hitPos.length;
    const order = Array.from({ length: n }, (_, i) => i);
    // Parts must be met in file order; the search reports hits lane by lane, so sort them.
    if (n > 1) {
      order.sort((a, b) => this.hitPos[a]! - this.hitPos[b]! || this.hitPart[a]! - this.hitPart[b]!);
    }
    for (const i of order) this.handleHit(this.hitPos[i]!, this.matcher.parts[this.hitPart[i]!]!);
    this.hitPos.length = 0;
    this.hitPart.length = 0;
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
