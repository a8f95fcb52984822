/**
 * The scan-cost part of a set's test-load: the set's engine scans a small generated corpus
 * meant to be the worst it will meet (random bytes, long runs of one byte, and the anchor of
 * each signature part repeated, which is what makes hits dense), and must stay within a step
 * budget stricter than a scan's own. A set that passes every signature limit one by one can
 * still be costly together (2,000 signatures sharing one 2-byte anchor); this refuses it before
 * it is installed, rather than letting it slow every scan on every endpoint.
 */
import type { Engine } from '../scanner/engine.js';
import type { ScanLimits } from '../scanner/scan-limits.js';
import { ScanCostError } from './errors.js';

/** One input of the corpus, and what it stands for in a refusal. */
export interface StressInput {
  readonly label: string;
  readonly bytes: Uint8Array;
}

/** How much the stress corpus may cost. */
export interface ScanCostBudget {
  /** Steps per scanned byte, over all of an input (a quarter of the default scan allowance). */
  readonly workPerByte: number;
  /** Steps any input may take besides. */
  readonly workBase: number;
  /** Anchors repeated, at most (the most shared first). */
  readonly maxAnchors: number;
  /** Wall-clock bound for the whole corpus; a backstop, the step count decides. */
  readonly deadlineMs: number;
}

export const DEFAULT_SCAN_COST_BUDGET: ScanCostBudget = Object.freeze({ workPerByte: 8, workBase: 65536, maxAnchors: 256, deadlineMs: 60_000 });

const RANDOM_BYTES = 65536;
const RUN_BYTES = 16384;
const ANCHOR_BYTES = 4096;
const RUN_VALUES = [0x00, 0xff, 0x20, 0x90, 0x41];

function randomBytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

function repeat(pattern: Uint8Array, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = pattern[i % pattern.length]!;
  return out;
}

function hex(bytes: Uint8Array): string {
  const text = Buffer.from(bytes.subarray(0, 16)).toString('hex');
  return bytes.length > 16 ? `${text}...` : text;
}

/** The corpus for `engine`: deterministic, so a refusal can be reproduced. */
export function buildStressCorpus(engine: Engine, budget: ScanCostBudget = DEFAULT_SCAN_COST_BUDGET): StressInput[] {
  const inputs: StressInput[] = [{ label: `${RANDOM_BYTES} random bytes`, bytes: randomBytes(RANDOM_BYTES, 0x5eed) }];
  for (const v of RUN_VALUES) inputs.push({ label: `${RUN_BYTES} bytes of 0x${v.toString(16).padStart(2, '0')}`, bytes: new Uint8Array(RUN_BYTES).fill(v) });
  const byAnchor = new Map<string, { anchor: Uint8Array; parts: number; first: number }>();
  engine.body.parts.forEach((part, id) => {
    if (part.anchor.length === 0) return;
    const key = Buffer.from(part.anchor).toString('latin1');
    const entry = byAnchor.get(key);
    if (entry) entry.parts++;
    else byAnchor.set(key, { anchor: part.anchor, parts: 1, first: id });
  });
  const ranked = [...byAnchor.values()].sort((a, b) => b.parts - a.parts || a.anchor.length - b.anchor.length).slice(0, budget.maxAnchors);
  for (const { anchor, parts, first } of ranked) {
    const sig = engine.body.signatures[engine.body.parts[first]!.sig]!;
    const shared = parts > 1 ? `, the anchor of ${parts} signature parts` : '';
    inputs.push({ label: `anchor ${hex(anchor)} repeated (from ${sig.source.file}:${sig.source.line}${shared})`, bytes: repeat(anchor, ANCHOR_BYTES) });
  }
  return inputs;
}

/**
 * Scans the stress corpus with `engine`.
 * @throws ScanCostError naming the input (and the signature whose anchor made it) that cost
 *   more than `budget` allows, or the deadline passed.
 */
export function runScanCostTest(engine: Engine, budget: ScanCostBudget = DEFAULT_SCAN_COST_BUDGET, now: () => number = () => performance.now()): void {
  const started = now();
  for (const input of buildStressCorpus(engine, budget)) {
    const allowed = budget.workBase + budget.workPerByte * input.bytes.length;
    const limits: ScanLimits = { workBase: allowed, workPerByte: 0, pendingHits: engine.limits.pendingHits };
    const session = engine.createScan(input.bytes.length, undefined, limits);
    session.update(input.bytes);
    const work = session.work;
    session.finish();
    if (work > allowed) {
      throw new ScanCostError(`${input.label} costs more than ${allowed} scan steps for ${input.bytes.length} bytes (at most ${budget.workBase} + ${budget.workPerByte} per byte)`);
    }
    const elapsed = now() - started;
    if (elapsed > budget.deadlineMs) {
      throw new ScanCostError(`the stress corpus took more than ${budget.deadlineMs} ms (at ${input.label})`);
    }
  }
}
