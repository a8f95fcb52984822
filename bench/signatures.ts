import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from './prng.js';
import { BenchError } from './cli-args.js';

/** One piece of a body signature: fixed bytes, `??` wildcards, or a `{min-max}` gap. */
export type BodySegment =
  | { readonly kind: 'bytes'; readonly data: Buffer }
  | { readonly kind: 'any'; readonly count: number }
  | { readonly kind: 'gap'; readonly min: number; readonly max: number };

export interface BodySig {
  readonly name: string;
  readonly style: 'plain' | 'wild' | 'gap';
  readonly segments: readonly BodySegment[];
}

export interface HashPlant {
  readonly rel: string;
  readonly sha256: string;
  readonly size: number;
}

export const BODY_SIG_COUNT = 500;
export const HASH_SIG_COUNT = 10_000;
export const EICAR_NAME = 'Eicar-Test-Signature';
/** Every fixed run is at least this long, so no tool can blame a degenerate pattern. */
const MIN_RUN = 6;

/** Built from two halves so that the test string never sits whole in a committed file. */
export function eicarBytes(): Buffer {
  const text = 'X5O!P%@AP[4\\PZX54(P^)7CC)7}$' + 'EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*';
  const buf = Buffer.from(text, 'latin1');
  if (buf.length !== 68) throw new Error(`EICAR string is ${buf.length} bytes, expected 68`);
  return buf;
}

/** Splits `total` into `parts` pieces of at least `min` each, at random. */
function split(rng: Rng, total: number, parts: number, min: number): number[] {
  const out = new Array<number>(parts).fill(min);
  for (let left = total - min * parts; left > 0; left--) out[rng.int(0, parts - 1)]! += 1;
  return out;
}

/** The 500 body signatures depend only on the seed, so corpus and sig folder always agree. */
export function makeBodySignatures(seed: number): BodySig[] {
  const rng = new Rng(seed, 2);
  const styles: BodySig['style'][] = [];
  for (let i = 0; i < BODY_SIG_COUNT; i++) styles.push(i < 100 ? 'wild' : i < 200 ? 'gap' : 'plain');
  rng.shuffle(styles);
  return styles.map((style, i) => {
    const name = `Bench.Body.${String(i).padStart(4, '0')}`;
    const segments: BodySegment[] = [];
    if (style === 'plain') {
      segments.push({ kind: 'bytes', data: rng.bytes(rng.int(12, 40)) });
    } else {
      // Length counts fixed bytes plus `??` bytes (gaps excluded): 12..40 like the plain ones.
      const length = rng.int(2 * MIN_RUN + (style === 'wild' ? 2 : 0), 40);
      const holes = length >= 3 * MIN_RUN + 4 && rng.float() < 0.4 ? 2 : 1;
      const widths = Array.from({ length: holes }, () => (style === 'wild' ? rng.int(1, 2) : 0));
      const fixed = length - widths.reduce((a, b) => a + b, 0);
      const runs = split(rng, fixed, holes + 1, MIN_RUN);
      runs.forEach((run, k) => {
        segments.push({ kind: 'bytes', data: rng.bytes(run) });
        if (k === holes) return;
        if (style === 'wild') segments.push({ kind: 'any', count: widths[k]! });
        else {
          const min = rng.int(0, 4);
          segments.push({ kind: 'gap', min, max: min + rng.int(1, 6) });
        }
      });
    }
    return { name, style, segments };
  });
}

export function bodyHex(sig: BodySig): string {
  return sig.segments
    .map((s) => (s.kind === 'bytes' ? s.data.toString('hex') : s.kind === 'any' ? '??'.repeat(s.count) : `{${s.min}-${s.max}}`))
    .join('');
}

/** A concrete byte string the signature matches; wildcards and gaps get random filler. */
export function renderInstance(sig: BodySig, rng: Rng): Buffer {
  const parts: Buffer[] = [];
  for (const s of sig.segments) {
    if (s.kind === 'bytes') parts.push(s.data);
    else if (s.kind === 'any') parts.push(rng.bytes(s.count));
    else parts.push(rng.bytes(rng.int(s.min, s.max)));
  }
  return Buffer.concat(parts);
}

const SIG_FILES = ['bench.hsb', 'bench.ndb', 'eicar.ndb'];

/**
 * Writes the signature folder. Mostly random hashes, with sizes drawn like the corpus so some
 * share a size with real files (the cheap size pre-filter must not decide alone); the planted
 * ones are the real sha256:size of corpus files. Refuses a folder holding anything else,
 * because both tools would load it and the comparison would no longer be about these sigs.
 */
export function writeSignatureDir(dir: string, seed: number, bodySigs: readonly BodySig[], hashPlants: readonly HashPlant[], drawSize: (rng: Rng) => number): string[] {
  mkdirSync(dir, { recursive: true });
  const foreign = readdirSync(dir).filter((f) => !SIG_FILES.includes(f));
  if (foreign.length > 0) {
    throw new BenchError(`signature folder ${dir} holds other files (${foreign.slice(0, 5).join(', ')}); point --sigs at an empty or bench-only folder`);
  }
  const rng = new Rng(seed, 3);
  const lines: string[] = [];
  for (let i = 0; i < HASH_SIG_COUNT - hashPlants.length; i++) lines.push(`${rng.bytes(32).toString('hex')}:${drawSize(rng)}`);
  for (const p of hashPlants) lines.splice(rng.int(0, lines.length), 0, `${p.sha256}:${p.size}`);
  const names = lines.map((l, i) => `${l}:Bench.Hash.${String(i).padStart(5, '0')}`);
  writeFileSync(join(dir, 'bench.hsb'), names.join('\n') + '\n');
  writeFileSync(join(dir, 'bench.ndb'), bodySigs.map((s) => `${s.name}:0:*:${bodyHex(s)}`).join('\n') + '\n');
  writeFileSync(join(dir, 'eicar.ndb'), `${EICAR_NAME}:0:0:${eicarBytes().toString('hex')}\n`);
  // The hash names depend on where the planted ones landed; hand them back for the ground truth.
  return hashPlants.map((p) => names.find((n) => n.startsWith(`${p.sha256}:${p.size}:`))!.split(':')[2]!);
}
