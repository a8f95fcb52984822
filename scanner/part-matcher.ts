import type { BodyToken } from './types.js';

/**
 * The bytes a match may look at: `data[i]` is the byte at absolute offset `base + i`, and
 * nothing at or past `limit` (absolute) exists yet or at all.
 */
export interface MatchView {
  data: Uint8Array;
  base: number;
  limit: number;
  /** Steps taken so far, counted against the scan's budget by the caller. */
  work: number;
}

function tokenMatchesAt(option: readonly { value: number; mask: number }[], view: MatchView, pos: number): boolean {
  if (pos < view.base || pos + option.length > view.limit) return false;
  for (let k = 0; k < option.length; k++) {
    const b = option[k]!;
    if ((view.data[pos - view.base + k]! & b.mask) !== b.value) return false;
  }
  return true;
}

/**
 * Smallest end (exclusive) at which `tokens[ti..]` match starting at `pos`, or -1.
 * Bounded gaps and alternatives branch; `memo` caches failures of (token, position) pairs so a
 * pattern with several ranges stays polynomial. Recursion goes one level per branching token,
 * which SIGNATURE_LIMITS.maxBranchesPerPart bounds, never per input byte.
 */
export function matchForward(tokens: readonly BodyToken[], ti: number, pos: number, view: MatchView, memo: Map<number, number> | null): number {
  while (ti < tokens.length) {
    const t = tokens[ti]!;
    view.work++;
    if (t.kind === 'byte') {
      if (pos >= view.limit || (view.data[pos - view.base]! & t.mask) !== t.value) return -1;
      pos++;
      ti++;
    } else if (t.kind === 'alt' && t.negated) {
      const len = t.options[0]!.length;
      if (pos + len > view.limit || t.options.some((o) => tokenMatchesAt(o, view, pos))) return -1;
      pos += len;
      ti++;
    } else {
      const key = ti * 4294967296 + (pos - view.base);
      const cached = memo?.get(key);
      if (cached !== undefined) return cached;
      let best = -1;
      if (t.kind === 'gap') {
        for (let g = t.min; g <= t.max && pos + g <= view.limit; g++) {
          view.work++;
          const e = matchForward(tokens, ti + 1, pos + g, view, memo);
          if (e >= 0 && (best < 0 || e < best)) best = e;
        }
      } else {
        for (const o of t.options) {
          view.work += o.length;
          if (!tokenMatchesAt(o, view, pos)) continue;
          const e = matchForward(tokens, ti + 1, pos + o.length, view, memo);
          if (e >= 0 && (best < 0 || e < best)) best = e;
        }
      }
      memo?.set(key, best);
      return best;
    }
  }
  return pos;
}

/**
 * A start in [lo, hi] from which the REVERSED tokens `rev[ti..]` match, ending at `pos`
 * (exclusive), or -1. Used for the part of a pattern before its anchor.
 */
export function matchBackward(rev: readonly BodyToken[], ti: number, pos: number, lo: number, hi: number, view: MatchView, memo: Map<number, number> | null): number {
  while (ti < rev.length) {
    const t = rev[ti]!;
    view.work++;
    if (t.kind === 'byte') {
      if (pos - 1 < Math.max(lo, view.base) || (view.data[pos - 1 - view.base]! & t.mask) !== t.value) return -1;
      pos--;
      ti++;
    } else if (t.kind === 'alt' && t.negated) {
      const len = t.options[0]!.length;
      if (pos - len < Math.max(lo, view.base) || t.options.some((o) => tokenMatchesAt(o, view, pos - len))) return -1;
      pos -= len;
      ti++;
    } else {
      const key = ti * 4294967296 + (pos - view.base);
      const cached = memo?.get(key);
      if (cached !== undefined) return cached;
      let found = -1;
      if (t.kind === 'gap') {
        for (let g = t.min; g <= t.max && pos - g >= lo && found < 0; g++) {
          view.work++;
          found = matchBackward(rev, ti + 1, pos - g, lo, hi, view, memo);
        }
      } else {
        for (const o of t.options) {
          if (found >= 0) break;
          view.work += o.length;
          if (tokenMatchesAt(o, view, pos - o.length)) found = matchBackward(rev, ti + 1, pos - o.length, lo, hi, view, memo);
        }
      }
      memo?.set(key, found);
      return found;
    }
  }
  return pos >= lo && pos <= hi ? pos : -1;
}
