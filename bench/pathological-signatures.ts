/**
 * The pathological body signatures of issue 12 (defect 3), each with the input that hurt it.
 * Shared by the bounds tests and bench/pathological-vs-bounds.ts, so the figures in the report
 * and the cases the tests hold are the same ones.
 */

export interface PathologicalCase {
  readonly name: string;
  /** What the case stands for, as the issue words it. */
  readonly what: string;
  /** The `.ndb` file's text. */
  readonly ndb: () => string;
  /** The file scanned with it. */
  readonly input: () => Uint8Array;
}

const KIB = 1024;

function repeated(pattern: readonly number[], size: number): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = pattern[i % pattern.length]!;
  return out;
}

/** Deterministic filler (no PRNG module needed: it only has to be varied). */
function varied(size: number): Uint8Array {
  const out = new Uint8Array(size);
  let x = 0x9e3779b9;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

function hex2(n: number): string {
  return (n & 0xff).toString(16).padStart(2, '0');
}

export const PATHOLOGICAL_CASES: readonly PathologicalCase[] = [
  {
    name: 'wide-gap',
    what: 'a 2-byte anchor with a {0-1048576} gap',
    ndb: () => 'Patho.WideGap:0:*:4142{0-1048576}4344\n',
    input: () => repeated([0x41, 0x42], 64 * KIB),
  },
  {
    name: 'huge-alternative',
    what: '100,000 anchorless alternatives (one group)',
    ndb: () => `Patho.HugeAlt:0:*:(${Array.from({ length: 100_000 }, (_, i) => hex2(i >> 16) + hex2(i >> 8) + hex2(i)).join('|')})\n`,
    input: () => varied(64 * KIB),
  },
  {
    name: 'many-anchorless',
    what: '100,000 anchorless signatures (one alternative each)',
    ndb: () => Array.from({ length: 100_000 }, (_, i) => `Patho.Anchorless.${i}:0:*:(${hex2(i)}|${hex2(i >> 8)})??${hex2(i + 1)}\n`).join(''),
    input: () => varied(64 * KIB),
  },
  {
    name: 'nested-ranges',
    what: '(aa|aaaa){0-100} x 50',
    ndb: () => `Patho.Nested:0:*:${'(aa|aaaa){0-100}'.repeat(50)}aa\n`,
    input: () => repeated([0xaa], 64 * KIB),
  },
  {
    name: 'many-parts',
    what: '20,000 parts joined by *',
    ndb: () => `Patho.Parts:0:*:${Array.from({ length: 20_000 }, () => '4142').join('*')}\n`,
    input: () => repeated([0x41, 0x42], 64 * KIB),
  },
  {
    name: 'shared-anchor',
    what: '2,000 signatures sharing one 2-byte anchor',
    ndb: () => Array.from({ length: 2_000 }, (_, i) => `Patho.Shared.${i}:0:*:4142??${hex2(i)}${hex2(i >> 8)}\n`).join(''),
    input: () => repeated([0x41, 0x42], 4 * KIB * KIB),
  },
  {
    name: 'chained-gaps',
    what: '30,000 chained {0-1} gaps',
    ndb: () => `Patho.Chain:0:*:${'41{0-1}'.repeat(30_000)}41\n`,
    input: () => repeated([0x41], 64 * KIB),
  },
  {
    name: 'huge-fixed-gaps',
    what: '4,000 {1048576} gaps',
    ndb: () => `Patho.Fixed:0:*:${'4142{1048576}'.repeat(4_000)}4142\n`,
    input: () => repeated([0x41, 0x42], 64 * KIB),
  },
];
