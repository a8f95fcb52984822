import type { BodySignature, BodyToken } from './types.js';

/**
 * One bounded part of a body signature, split around its anchor: the longest run of exact
 * bytes, which is what the multi-pattern search looks for. The tokens before the anchor are
 * kept reversed so they can be matched backwards from it.
 */
export interface CompiledPart {
  readonly sig: number;
  readonly index: number;
  readonly minGapBefore: number;
  readonly anchor: Uint8Array;
  readonly before: readonly BodyToken[];
  readonly after: readonly BodyToken[];
  /** Most bytes between the part's start and its anchor. */
  readonly maxBefore: number;
  /** Most bytes from the anchor's start to the part's end. */
  readonly maxFromAnchor: number;
  /** Whether matching may branch more than once (then failures are memoised). */
  readonly branchy: boolean;
}

function tokenMaxLength(t: BodyToken): number {
  if (t.kind === 'byte') return 1;
  if (t.kind === 'gap') return t.max;
  return Math.max(...t.options.map((o) => o.length));
}

/** Where the part's anchor sits: its longest run of exact bytes (the first, on a tie). */
export function findAnchor(tokens: readonly BodyToken[]): { at: number; length: number } {
  let best = { at: 0, length: 0 };
  let runStart = 0;
  for (let i = 0; i <= tokens.length; i++) {
    const t = tokens[i];
    if (t && t.kind === 'byte' && t.mask === 0xff) continue;
    if (i - runStart > best.length) best = { at: runStart, length: i - runStart };
    runStart = i + 1;
  }
  return best;
}

export function compilePart(signature: BodySignature, sig: number, index: number): CompiledPart {
  const part = signature.parts[index]!;
  const tokens = part.tokens;
  const { at, length } = findAnchor(tokens);
  const anchor = Uint8Array.from(tokens.slice(at, at + length).map((t) => (t.kind === 'byte' ? t.value : 0)));
  const before = tokens.slice(0, at).reverse();
  const after = tokens.slice(at + length);
  const sum = (list: readonly BodyToken[]): number => list.reduce((n, t) => n + tokenMaxLength(t), 0);
  const branching = tokens.filter((t) => t.kind === 'gap' ? t.max > t.min : t.kind === 'alt' && !t.negated).length;
  return {
    sig,
    index,
    minGapBefore: part.minGapBefore,
    anchor,
    before,
    after,
    maxBefore: sum(before),
    maxFromAnchor: length + sum(after),
    branchy: branching > 1,
  };
}
