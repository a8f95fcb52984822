import { compilePart, type CompiledPart } from './compiled-part.js';
import { WuManber } from './wu-manber.js';
import type { BodySignature } from './types.js';

/** Longest window the multi-pattern search uses; longer anchors still verify in full. */
const MAX_WINDOW = 16;

/**
 * All body signatures compiled for search: one Wu-Manber search over every anchor of two bytes
 * or more (its window is the shortest anchor: one pass with short shifts beats several passes
 * with long ones), and parts with anchors under two bytes kept apart for a direct scan.
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
    const searched: number[] = [];
    const shortParts: number[] = [];
    parts.forEach((p, id) => (p.anchor.length >= 2 ? searched : shortParts).push(id));
    const m = Math.min(MAX_WINDOW, ...searched.map((id) => parts[id]!.anchor.length));
    this.searches = searched.length === 0 ? [] : [new WuManber(m, searched.map((id) => parts[id]!.anchor), searched)];
    this.shortParts = shortParts;
    this.behind = parts.reduce((n, p) => Math.max(n, p.maxBefore), 0);
    this.lookahead = parts.reduce((n, p) => Math.max(n, p.maxFromAnchor, 1), 1);
  }
}
