import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Rng } from './prng.js';
import { BenchError } from './cli-args.js';
import { EICAR_NAME, eicarBytes, makeBodySignatures, renderInstance, type BodySig, type HashPlant } from './signatures.js';

/** Bump when the generator changes what a given seed produces, so old corpora are not reused. */
const GENERATOR_VERSION = 2;
const MIN_SIZE = 512;
const MAX_SIZE = 8 * 1024 * 1024;
const MIB = 1024 * 1024;
const BODY_PLANTS = 20;
const STRADDLE_PLANTS = 8;
const HASH_PLANTS = 10;
const EICAR_FILES = 2;

export interface CorpusParams {
  readonly seed: number;
  readonly files: number;
  readonly total: number;
}

/** One expected detection: what a correct scanner must report. */
export interface Expected {
  readonly rel: string;
  readonly signature: string;
  readonly kind: 'hash' | 'body';
  readonly offset?: number;
}

export interface Manifest {
  readonly generator: number;
  readonly params: CorpusParams;
  /** Exponent of the size law, found so the corpus adds up to about `total`. */
  readonly sizeExponent: number;
  readonly bytes: number;
  readonly files: readonly (readonly [rel: string, size: number])[];
  readonly hashPlants: readonly HashPlant[];
  /** Body and EICAR detections; hash ones get their names when the sig folder is written. */
  readonly expected: readonly Expected[];
}

export const filesDir = (dir: string): string => join(dir, 'files');
const manifestPath = (dir: string): string => join(dir, 'manifest.json');

/**
 * Size law: MIN * (MAX/MIN)^(u^k). k = 1 is log-uniform (mean ~860 KB, too big for 4000 files in
 * 3 GB); k > 1 leans towards small files while keeping the 512 B .. 8 MB range.
 */
export function sizeFor(u: number, k: number): number {
  return Math.round(MIN_SIZE * (MAX_SIZE / MIN_SIZE) ** (u ** k));
}

function fitExponent(us: readonly number[], total: number): number {
  const sum = (k: number): number => us.reduce((acc, u) => acc + sizeFor(u, k), 0);
  let lo = 0.05;
  let hi = 20;
  if (total >= sum(lo) || total <= sum(hi)) {
    throw new BenchError(`--total ${total} is out of reach for ${us.length} files of ${MIN_SIZE} B..${MAX_SIZE} B`);
  }
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (sum(mid) > total) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

interface BodyPlan {
  readonly sig: BodySig;
  readonly instance: Buffer;
  readonly offset: number;
}

/** Everything but the file bytes: sizes, paths and where each detection is planted. */
function plan(params: CorpusParams, sigs: readonly BodySig[]): { manifest: Omit<Manifest, 'hashPlants'>; bodyPlans: Map<number, BodyPlan>; eicar: Set<number>; hashFiles: Set<number> } {
  const rng = new Rng(params.seed, 1);
  const us = Array.from({ length: params.files }, () => rng.float());
  const k = fitExponent(us, params.total);
  const sizes = us.map((u) => sizeFor(u, k));
  const rels = sizes.map((_, i) => {
    const depth = rng.int(0, 3);
    const parts = [`d${rng.int(0, 7)}`, `s${rng.int(0, 3)}`, `t${rng.int(0, 1)}`].slice(0, depth);
    return join(...parts, `f${String(i).padStart(5, '0')}.bin`);
  });

  const order = rng.shuffle(Array.from({ length: params.files }, (_, i) => i));
  const taken = new Set<number>();
  const pick = (ok: (i: number) => boolean, what: string): number => {
    const i = order.find((j) => !taken.has(j) && ok(j));
    if (i === undefined) throw new BenchError(`corpus too small to plant ${what}; raise --files or --total`);
    taken.add(i);
    return i;
  };
  const eicar = new Set<number>();
  for (let n = 0; n < EICAR_FILES; n++) {
    const i = pick(() => true, 'the EICAR files');
    sizes[i] = eicarBytes().length;
    eicar.add(i);
  }

  // A mix of the three body styles, so gaps and wildcards are exercised across chunk borders too.
  const byStyle = (style: BodySig['style']): BodySig[] => rng.shuffle(sigs.filter((s) => s.style === style));
  const chosen = [...byStyle('wild').slice(0, 6), ...byStyle('gap').slice(0, 6), ...byStyle('plain').slice(0, BODY_PLANTS - 12)];
  rng.shuffle(chosen);
  const bodyPlans = new Map<number, BodyPlan>();
  const expected: Expected[] = [];
  chosen.forEach((sig, n) => {
    const instance = renderInstance(sig, rng);
    const len = instance.length;
    let i: number;
    let offset: number;
    if (n < STRADDLE_PLANTS) {
      // Straddle a 1 MiB boundary: readers that chunk by 1 MiB (or a divisor) must stitch.
      i = pick((j) => sizes[j]! >= MIB + len, 'signatures across 1 MiB boundaries');
      const boundary = rng.int(1, Math.floor((sizes[i]! - len) / MIB)) * MIB;
      offset = boundary - rng.int(1, len - 1);
    } else {
      i = pick((j) => sizes[j]! >= 4 * len, 'body signatures');
      offset = n === STRADDLE_PLANTS ? 0 : n === STRADDLE_PLANTS + 1 ? sizes[i]! - len : rng.int(0, sizes[i]! - len);
    }
    bodyPlans.set(i, { sig, instance, offset });
    expected.push({ rel: rels[i]!, signature: sig.name, kind: 'body', offset });
  });
  for (const i of eicar) expected.push({ rel: rels[i]!, signature: EICAR_NAME, kind: 'body', offset: 0 });

  const hashFiles = new Set<number>();
  for (let n = 0; n < HASH_PLANTS; n++) hashFiles.add(pick(() => true, 'hash signatures'));

  const bytes = sizes.reduce((a, b) => a + b, 0);
  const files = rels.map((rel, i) => [rel, sizes[i]!] as const);
  return { manifest: { generator: GENERATOR_VERSION, params, sizeExponent: k, bytes, files, expected }, bodyPlans, eicar, hashFiles };
}

function readManifest(dir: string): Manifest | null {
  try {
    return JSON.parse(readFileSync(manifestPath(dir), 'utf8')) as Manifest;
  } catch {
    return null;
  }
}

/** Reuse only when the manifest matches and every file is still there at its size. */
function reusable(dir: string, params: CorpusParams): Manifest | null {
  const m = readManifest(dir);
  if (!m || m.generator !== GENERATOR_VERSION) return null;
  if (m.params.seed !== params.seed || m.params.files !== params.files || m.params.total !== params.total) return null;
  for (const [rel, size] of m.files) {
    try {
      if (statSync(join(filesDir(dir), rel)).size !== size) return null;
    } catch {
      return null;
    }
  }
  return m;
}

/**
 * Returns the corpus manifest, generating the corpus only when no matching one is on disk.
 * Only a folder that holds nothing but a previous corpus is wiped, never an arbitrary one.
 */
export function ensureCorpus(dir: string, params: CorpusParams, log: (s: string) => void): Manifest {
  const existing = reusable(dir, params);
  if (existing) {
    log(`reusing corpus in ${dir} (seed ${params.seed})`);
    return existing;
  }
  if (existsSync(dir)) {
    const foreign = readdirSync(dir).filter((f) => f !== 'files' && f !== 'manifest.json');
    if (foreign.length > 0) throw new BenchError(`corpus folder ${dir} holds files that are not a bench corpus (${foreign.slice(0, 5).join(', ')}); use another --dir`);
    rmSync(manifestPath(dir), { force: true });
    rmSync(filesDir(dir), { recursive: true, force: true });
  }
  const t0 = performance.now();
  const { manifest, bodyPlans, eicar, hashFiles } = plan(params, makeBodySignatures(params.seed));
  log(`generating ${params.files} files, ${(manifest.bytes / 1e9).toFixed(2)} GB in ${dir} ...`);
  const words = new Uint32Array(Math.ceil(MAX_SIZE / 4));
  const buf = Buffer.from(words.buffer);
  const hashPlants: HashPlant[] = [];
  const made = new Set<string>();
  manifest.files.forEach(([rel, size], i) => {
    const path = join(filesDir(dir), rel);
    const folder = dirname(path);
    if (!made.has(folder)) {
      mkdirSync(folder, { recursive: true });
      made.add(folder);
    }
    let data: Buffer;
    if (eicar.has(i)) data = eicarBytes();
    else {
      const rng = new Rng(params.seed, 1000 + i);
      const view = words.subarray(0, Math.ceil(size / 4));
      rng.fill(view);
      data = buf.subarray(0, size);
      const body = bodyPlans.get(i);
      if (body) body.instance.copy(data, body.offset);
    }
    if (hashFiles.has(i)) hashPlants.push({ rel, sha256: createHash('sha256').update(data).digest('hex'), size });
    const fd = openSync(path, 'w');
    try {
      for (let off = 0; off < data.length; ) off += writeSync(fd, data, off);
    } finally {
      closeSync(fd);
    }
  });
  const full: Manifest = { ...manifest, hashPlants };
  // Written last: a half-made corpus has no manifest and is regenerated next time.
  writeFileSync(manifestPath(dir), JSON.stringify(full));
  log(`generated in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return full;
}

/** Same law as the corpus, for the random hash signatures' sizes. */
export function sizeDrawer(manifest: Manifest): (rng: Rng) => number {
  return (rng) => sizeFor(rng.float(), manifest.sizeExponent);
}
