/** Where a signature came from, so every load error and detection can name it. */
export interface SourceRef {
  readonly file: string;
  readonly line: number;
}

export type HashAlgorithm = 'md5' | 'sha1' | 'sha256';

/** Length in bytes of each supported digest; also how `.hsb` tells them apart. */
export const HASH_LENGTHS: Readonly<Record<HashAlgorithm, number>> = { md5: 16, sha1: 20, sha256: 32 };

/** Where a body signature may start. `any` is the ClamAV `*`. */
export type OffsetSpec =
  | { readonly kind: 'any' }
  | { readonly kind: 'absolute'; readonly start: number; readonly maxShift: number }
  | { readonly kind: 'from-end'; readonly back: number; readonly maxShift: number };

/**
 * One element of a bounded part of a body signature.
 * `byte`: value & mask must equal value (mask 0xff exact, 0xf0 / 0x0f nibble, 0x00 any byte).
 * `gap`: between min and max arbitrary bytes (both bounded inside a part).
 * `alt`: one of the alternatives (each a short byte pattern); `negated` means none of them.
 */
export type BodyToken =
  | { readonly kind: 'byte'; readonly value: number; readonly mask: number }
  | { readonly kind: 'gap'; readonly min: number; readonly max: number }
  | { readonly kind: 'alt'; readonly negated: boolean; readonly options: readonly (readonly AltByte[])[] };

export interface AltByte {
  readonly value: number;
  readonly mask: number;
}

/**
 * A body signature is a chain of bounded parts. Between two parts there is an unbounded gap
 * (`*` = at least 0 bytes, `{n-}` = at least n bytes): `minGapBefore` of part k > 0.
 */
export interface BodyPart {
  readonly tokens: readonly BodyToken[];
  readonly minGapBefore: number;
}

export interface BodySignature {
  readonly name: string;
  readonly target: number;
  readonly offset: OffsetSpec;
  readonly parts: readonly BodyPart[];
  readonly source: SourceRef;
  /** The signature line as written: `.ign2` entries may pin a signature by its MD5. */
  readonly line: string;
}

/** What a scan found: data, never an exception. */
export interface Detection {
  readonly signature: string;
  /** `heuristic`: a limit reported as a detection (ClamAV's AlertExceedsMax). */
  readonly kind: 'hash' | 'body' | 'heuristic';
  /** Byte offset of the match (body signatures only). */
  readonly offset?: number;
  /** Where in an archive the match is: member path, nesting levels joined by `//`. */
  readonly member?: string;
}

export interface ScanResult {
  readonly detections: readonly Detection[];
  /** True when an allow-list (`.fp`/`.sfp`) entry cleared the file. */
  readonly allowListed: boolean;
  readonly size: number;
  /** Set when the body scan stopped at its cost limit (see ScanLimits): the file was not fully judged. */
  readonly limitExceeded?: string;
}
