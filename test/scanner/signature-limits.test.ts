import { PATHOLOGICAL_CASES } from '../../bench/pathological-signatures.js';
import { compileEngine } from '../../scanner/engine.js';
import { SignatureSyntaxError } from '../../scanner/errors.js';
import { DEFAULT_SCAN_LIMITS, workAllowance } from '../../scanner/scan-limits.js';
import { parseSignatureFiles } from '../../scanner/signature-database.js';
import { SIGNATURE_LIMITS } from '../../scanner/signature-limits.js';

const enc = (text: string): Uint8Array => new TextEncoder().encode(text);
const load = (name: string, text: string) => parseSignatureFiles([{ name, data: enc(text) }]);

function loadError(name: string, text: string): SignatureSyntaxError {
  try {
    load(name, text);
  } catch (err) {
    if (err instanceof SignatureSyntaxError) return err;
    throw err;
  }
  throw new Error(`${name} loaded`);
}

describe('the pathological signatures of issue 12', () => {
  // Each must end in a load error naming file, line and column, or in a scan bounded in steps.
  const refusedAtLoad: Record<string, { line: number; reason: RegExp }> = {
    'wide-gap': { line: 1, reason: /part 1 spans up to 1048580 bytes; the limit is 65536/ },
    'huge-alternative': { line: 1, reason: /alternatives hold 300000 bytes by part 1; the limit is 4096/ },
    'many-anchorless': { line: 5, reason: /anchors under 2 bytes cost 20 steps per scanned byte with this one; the limit for a database is 16/ },
    'nested-ranges': { line: 1, reason: /part 1 has 100 ranges and alternatives; the limit is 32 per part/ },
    'many-parts': { line: 1, reason: /20000 parts \(joined by \* or \{n-\}\); the limit is 64/ },
    'chained-gaps': { line: 1, reason: /part 1 has 30000 ranges and alternatives; the limit is 32/ },
    'huge-fixed-gaps': { line: 1, reason: /part 1 spans up to 4194312002 bytes; the limit is 65536/ },
  };

  for (const c of PATHOLOGICAL_CASES.filter((x) => refusedAtLoad[x.name])) {
    it(`${c.what}: refused at load with file, line, column and the limit`, () => {
      const want = refusedAtLoad[c.name]!;
      const err = loadError(`${c.name}.ndb`, c.ndb());
      expect(err.file).toBe(`${c.name}.ndb`);
      expect(err.line).toBe(want.line);
      expect(err.column).toBeGreaterThan(0);
      expect(err.message).toMatch(new RegExp(`^${c.name}\\.ndb:${want.line}:${err.column}: `));
      expect(err.reason).toMatch(want.reason);
    });
  }

  it('2,000 signatures sharing one 2-byte anchor: loads, and a 4 MiB scan stops at its step budget with bounded hits', () => {
    const c = PATHOLOGICAL_CASES.find((x) => x.name === 'shared-anchor')!;
    // The default allowance on 4 MiB takes seconds on a loaded machine; a smaller one shows the same bound.
    const limits = { workBase: 1 << 16, workPerByte: 4, pendingHits: 1 << 12 };
    const engine = compileEngine(load('shared.ndb', c.ndb()), limits);
    const input = c.input();
    const session = engine.createScan(input.length, 1 << 20);
    session.update(input);
    const work = session.work;
    const result = session.finish();
    expect(result.limitExceeded).toMatch(/^body scan cost limit exceeded \(\d+ steps, at most 65536 \+ 4 per byte\)$/);
    // The search stops at the first step over the allowance, plus at most one hit's verification.
    expect(work).toBeLessThanOrEqual(workAllowance(limits, input.length) + 16);
    expect(result.size).toBe(input.length);
  });

  it('a signature with an offset that matches early is still found when a later region hits the budget', () => {
    const db = load('x.ndb', 'Early:0:0:45504f2d4541524c59\n' + Array.from({ length: 50 }, (_, i) => `Dense.${i}:0:*:4142??${(i + 16).toString(16)}\n`).join(''));
    const engine = compileEngine(db, { workBase: 1024, workPerByte: 1, pendingHits: 256 });
    const input = new Uint8Array(1 << 16).fill(0x41);
    input.set(enc('EPO-EARLY'), 0);
    for (let i = 16; i < input.length; i += 2) input[i + 1] = 0x42;
    const result = engine.scanBuffer(input);
    expect(result.detections.map((d) => d.signature)).toEqual(['Early']);
    expect(result.limitExceeded).toBeDefined();
  });
});

describe('limits keep ordinary signatures', () => {
  it('accepts signatures at each limit and refuses one past it, naming the column of the part', () => {
    const alt = (n: number): string => `(${Array.from({ length: n }, (_, i) => (i & 0xff).toString(16).padStart(2, '0')).join('|')})`;
    expect(load('ok.ndb', `Ok:0:*:41424344${alt(SIGNATURE_LIMITS.maxAlternatives)}45\n`).bodies).toHaveLength(1);
    const err = loadError('x.ndb', `X:0:*:41424344*41424344${alt(SIGNATURE_LIMITS.maxAlternatives + 1)}45\n`);
    expect(err.column).toBe(16);
    expect(err.message).toMatch(/^x\.ndb:1:16: part 2 has an alternative of 257 choices; the limit is 256$/);
    const parts = Array.from({ length: SIGNATURE_LIMITS.maxParts }, () => '41424344').join('*');
    expect(load('ok.ndb', `Ok:0:*:${parts}\n`).bodies).toHaveLength(1);
    expect(loadError('x.ndb', `X:0:*:${parts}*41424344\n`).reason).toMatch(/65 parts/);
    expect(load('ok.ndb', 'Ok:0:*:41424344{65000}45\n').bodies).toHaveLength(1);
    expect(loadError('x.ndb', 'X:0:*:41424344{65536}45\n').reason).toMatch(/spans up to 65541 bytes/);
  });

  it('refuses a part whose verification per anchor hit is too costly, naming the anchor length', () => {
    const err = loadError('x.ndb', 'Ok:0:*:4142\nX:0:*:4142{0-300}43{0-300}44{0-300}45\n');
    expect(err.line).toBe(2);
    expect(err.reason).toMatch(/part 1 costs up to \d+ steps per anchor hit \(anchor of 2 bytes\); the limit is 65536/);
  });

  it('still loads signatures the old syntax tests use, with their costs', () => {
    const db = load('ok.ndb', ['A:0:*:a1a2a3a4{2-5}b1b2', 'B:0:*:f1f2f3f4{-4}b1b2(0102|0304)', 'C:0:*:(aa|bb)??cc', 'D:0:*:aa{10-}bb'].join('\n'));
    expect(db.bodies).toHaveLength(4);
  });

  it('the default scan limits are what the README states', () => {
    expect(DEFAULT_SCAN_LIMITS).toEqual({ workBase: 1 << 22, workPerByte: 32, pendingHits: 1 << 16 });
  });
});
