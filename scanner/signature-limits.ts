import { findAnchor } from './compiled-part.js';
import { FieldSyntaxError } from './errors.js';
import type { BodyPart, BodyToken } from './types.js';

/**
 * What one body signature may cost, checked when it loads. The scan finds a part by its anchor
 * (its longest run of exact bytes) and then verifies the rest around each anchor hit; the
 * limits bound that verification, so that no accepted signature can make a scan hang or grow
 * without bound. ClamAV bounds the same things its own way: inline ranges of at most 32 bytes
 * (AC_CH_MAXDIST), alternatives nested at most 15 deep, a 2-byte minimum trie depth, and 120 s
 * per file.
 */
export const SIGNATURE_LIMITS = Object.freeze({
  /** Parts joined by `*` or `{n-}`. */
  maxParts: 64,
  /** Ranges `{n-m}` (m > n) and alternatives inside one part: each may branch the verification. */
  maxBranchesPerPart: 32,
  /** Choices in one `(..|..)`. */
  maxAlternatives: 256,
  /** Bytes over all choices of all alternatives of one signature. */
  maxAlternativeBytes: 4096,
  /** Bytes one part may cover from its first to its last token (the scan keeps that much in memory). */
  maxPartSpan: 65536,
  /** Verification steps one anchor hit may cost at most. */
  maxWorkPerHit: 65536,
  /**
   * Steps per scanned byte a part with an anchor under 2 bytes may cost (it is verified at every
   * byte, or every byte of one value), summed over every such part of a database. Half of a
   * scan's allowance per byte (DEFAULT_SCAN_LIMITS), so the rest is left for anchored parts.
   */
  maxShortAnchorWorkPerByte: 16,
});

/** What a signature costs per scanned byte when its anchors are under 2 bytes. */
export interface SignatureCost {
  readonly shortAnchorWork: number;
}

function branchSpread(t: BodyToken): number {
  if (t.kind === 'gap') return t.max - t.min;
  if (t.kind === 'alt' && !t.negated) {
    const lengths = t.options.map((o) => o.length);
    return Math.max(...lengths) - Math.min(...lengths);
  }
  return 0;
}

function tokenWork(t: BodyToken): number {
  if (t.kind === 'byte') return 1;
  if (t.kind === 'gap') return t.max - t.min + 1;
  return t.options.reduce((n, o) => n + o.length, 0);
}

function tokenMaxLength(t: BodyToken): number {
  if (t.kind === 'byte') return 1;
  if (t.kind === 'gap') return t.max;
  return Math.max(...t.options.map((o) => o.length));
}

/**
 * Most steps matching `tokens` outward from the anchor can take: a token is tried at every
 * position the branches before it can reach, with memoised failures (as part-matcher does).
 */
function sideWork(tokens: readonly BodyToken[]): number {
  let reach = 1;
  let work = 0;
  for (const t of tokens) {
    work += reach * tokenWork(t);
    reach = Math.min(reach + branchSpread(t), SIGNATURE_LIMITS.maxPartSpan);
  }
  return work;
}

/** Steps to verify one anchor hit of `tokens`, and the anchor's length. */
export function estimatePartWork(tokens: readonly BodyToken[]): { work: number; anchorLength: number } {
  const { at, length } = findAnchor(tokens);
  const before = tokens.slice(0, at).reverse();
  const after = tokens.slice(at + length);
  return { work: length + sideWork(before) + sideWork(after), anchorLength: length };
}

function checkPart(part: BodyPart, k: number, column: number): number {
  const where = `part ${k + 1}`;
  const fail = (reason: string): never => {
    throw new FieldSyntaxError(`${where} ${reason}`, column);
  };
  const branches = part.tokens.filter((t) => branchSpread(t) > 0 || (t.kind === 'alt' && !t.negated)).length;
  if (branches > SIGNATURE_LIMITS.maxBranchesPerPart) {
    fail(`has ${branches} ranges and alternatives; the limit is ${SIGNATURE_LIMITS.maxBranchesPerPart} per part`);
  }
  for (const t of part.tokens) {
    if (t.kind === 'alt' && t.options.length > SIGNATURE_LIMITS.maxAlternatives) {
      fail(`has an alternative of ${t.options.length} choices; the limit is ${SIGNATURE_LIMITS.maxAlternatives}`);
    }
  }
  const span = part.tokens.reduce((n, t) => n + tokenMaxLength(t), 0);
  if (span > SIGNATURE_LIMITS.maxPartSpan) fail(`spans up to ${span} bytes; the limit is ${SIGNATURE_LIMITS.maxPartSpan}`);
  const { work, anchorLength } = estimatePartWork(part.tokens);
  if (work > SIGNATURE_LIMITS.maxWorkPerHit) {
    fail(`costs up to ${work} steps per anchor hit (anchor of ${anchorLength} bytes); the limit is ${SIGNATURE_LIMITS.maxWorkPerHit}: narrow its ranges or alternatives`);
  }
  if (anchorLength >= 2) return 0;
  if (work > SIGNATURE_LIMITS.maxShortAnchorWorkPerByte) {
    fail(`has an anchor of ${anchorLength} bytes and costs up to ${work} steps per scanned byte; the limit is ${SIGNATURE_LIMITS.maxShortAnchorWorkPerByte}: give it 2 exact bytes in a row`);
  }
  return work;
}

/**
 * Checks a parsed body against SIGNATURE_LIMITS. `partColumns[k]` is the column where part k
 * starts in the signature's line, so the error can point at it.
 * @throws FieldSyntaxError (with its column) naming the limit and the value found.
 */
export function checkBodyLimits(parts: readonly BodyPart[], partColumns: readonly number[]): SignatureCost {
  if (parts.length > SIGNATURE_LIMITS.maxParts) {
    const column = partColumns[SIGNATURE_LIMITS.maxParts] ?? partColumns[0] ?? 1;
    throw new FieldSyntaxError(`${parts.length} parts (joined by * or {n-}); the limit is ${SIGNATURE_LIMITS.maxParts}`, column);
  }
  let altBytes = 0;
  let shortAnchorWork = 0;
  parts.forEach((part, k) => {
    const column = partColumns[k] ?? 1;
    for (const t of part.tokens) if (t.kind === 'alt') altBytes += t.options.reduce((n, o) => n + o.length, 0);
    if (altBytes > SIGNATURE_LIMITS.maxAlternativeBytes) {
      throw new FieldSyntaxError(`alternatives hold ${altBytes} bytes by part ${k + 1}; the limit is ${SIGNATURE_LIMITS.maxAlternativeBytes}`, column);
    }
    shortAnchorWork += checkPart(part, k, column);
  });
  return { shortAnchorWork };
}
