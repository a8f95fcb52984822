import { compilePart, type CompiledPart } from './compiled-part.js';
import { WuManber } from './wu-manber.js';
import type { BodySignature } from './types.js';

/** Window sizes for the multi-pattern search; an anchor uses the largest that fits it. */
const WINDOWS = [16, 12, 8, 6, 4, 3, 2];

/**
 * All body signatures compiled for search: the anchors grouped into Wu-Manber searches by
 * length (so one short anchor does not slow the rest), and parts with anchors under two bytes
 * kept apart for a slower direct scan.
 */
export class BodyMatcher {
  readonly parts: readonly CompiledPart[];
  readonly searches: readonly WuManber[];
  /** Ids of parts whose anchor is one byte (found with indexOf) or none (tried everywhere). */
  readonly shortParts: readonly number[];
  readonly partCounts: Int32Array;
  /** Bytes kept before the search frontier so a part can be matched backwards from its anchor. */
  readonly behind: number;
  /** Bytes needed after an anchor's start before it can be judged. */
  readonly lookahead: number;

  constructor(readonly signatures: readonly BodySignature[]) {
    const parts: CompiledPart[] = [];
    signatures.forEach((s, sig) => s.parts.forEach((_, k) => parts.push(compilePart(s, sig, k))));
    this.parts = parts;
    this.partCounts = Int32Array.from(signatures, (s) => s.parts.length);
    const groups = new Map<number, number[]>();
    const shortParts: number[] = [];
    parts.forEach((p, id) => {
      const m = WINDOWS.find((w) => w <= p.anchor.length);
      if (m === undefined) {
        shortParts.push(id);
        return;
      }
      const list = groups.get(m) ?? [];
      list.push(id);
      groups.set(m, list);
    });
    this.searches = [...groups.entries()].map(([m, ids]) => new WuManber(m, ids.map((id) => parts[id]!.anchor), ids));
    this.shortParts = shortParts;
    this.behind = parts.reduce((n, p) => Math.max(n, p.maxBefore), 0);
    this.lookahead = parts.reduce((n, p) => Math.max(n, p.maxFromAnchor, 1), 1);
  }
}
