import { compileEngine } from '../../scanner/engine.js';
import { SignatureSyntaxError } from '../../scanner/errors.js';
import { workAllowance } from '../../scanner/scan-limits.js';
import { parseSignatureFiles } from '../../scanner/signature-database.js';
import { seededRandom } from '../helpers/seeded-random.js';

/**
 * Seeded fuzzing of signature lines: valid-ish lines built from ClamAV's tokens with sizes up to
 * and past every limit, and malformed ones (cut, spliced, garbage). Each case must end in a
 * SignatureSyntaxError naming its file and a line that exists, or in a scan whose steps stay
 * within the scan's allowance; the whole run is bounded by steps, and by a generous deadline.
 */
const SEED = Number(process.env.EPQ_FUZZ_SEED ?? 20261204);
const CASES = 800;

type Rng = ReturnType<typeof seededRandom>;

function pick<T>(rng: Rng, list: readonly T[]): T {
  return list[rng.int(0, list.length - 1)]!;
}

function hexBytes(rng: Rng, n: number): string {
  return Array.from({ length: n }, () => rng.int(0, 255).toString(16).padStart(2, '0')).join('');
}

function number(rng: Rng): number {
  return pick(rng, [0, 1, 2, 5, 32, 100, 255, 256, 1000, 65535, 65536, 1 << 20, (1 << 20) + 1, 99999999]);
}

function bodyToken(rng: Rng): string {
  switch (rng.int(0, 11)) {
    case 0: return '??';
    case 1: return `${hexBytes(rng, 1)[0]}?`;
    case 2: return `?${hexBytes(rng, 1)[1]}`;
    case 3: return `{${number(rng)}}`;
    case 4: return `{${rng.int(0, 40)}-${rng.int(0, 300)}}`;
    case 5: return `{-${number(rng)}}`;
    case 6: return `{${number(rng)}-}`;
    case 7: return '*';
    case 8: return `(${Array.from({ length: pick(rng, [1, 2, 3, 300]) }, () => hexBytes(rng, rng.int(1, 3))).join('|')})`;
    case 9: return `!(${Array.from({ length: rng.int(1, 3) }, () => hexBytes(rng, 2)).join('|')})`;
    default: return hexBytes(rng, rng.int(1, 6));
  }
}

function ndbLine(rng: Rng): string {
  let body = hexBytes(rng, rng.int(0, 4));
  const tokens = rng.int(1, 8);
  for (let i = 0; i < tokens; i++) body += bodyToken(rng);
  if (rng.next() < 0.3) body = body.repeat(rng.int(2, 40));
  body += hexBytes(rng, rng.int(0, 3));
  const offset = rng.next() < 0.7 ? '*' : pick(rng, ['0', '12', '10,5', 'EOF-4', 'EOF-4,2', 'EP+0', 'x', '', '1,2,3']);
  const target = rng.next() < 0.8 ? '0' : pick(rng, ['1', '14', '99', 'x']);
  const fields = [rng.next() < 0.9 ? `Fuzz.Sig${rng.int(0, 99)}` : '', target, offset, body];
  if (rng.next() < 0.2) fields.push(pick(rng, ['1', '500', 'x', '']));
  if (rng.next() < 0.1) fields.push(pick(rng, ['1', '200', 'y']));
  return fields.join(':');
}

function hashLine(rng: Rng): string {
  const hash = hexBytes(rng, pick(rng, [16, 16, 20, 32, 15, 17])) + (rng.next() < 0.8 ? '' : pick(rng, ['g', '0']));
  const size = rng.next() < 0.7 ? String(rng.int(0, 5000)) : pick(rng, ['*', '-1', 'x', '99999999999999999999', '']);
  const fields = [hash, size, rng.next() < 0.9 ? 'Fuzz.Hash' : pick(rng, ['', 'a:b'])];
  if (rng.next() < 0.2) fields.push(pick(rng, ['73', 'x', '']));
  return fields.join(':');
}

/** Cuts, splices or sprinkles garbage into a line, some of the time. */
function damage(rng: Rng, line: string): string {
  const r = rng.next();
  if (r < 0.8 || line.length === 0) return line;
  const at = rng.int(0, line.length - 1);
  if (r < 0.75) return line.slice(0, at);
  if (r < 0.9) return line.slice(0, at) + pick(rng, ['{', '}', '(', ')', '|', ':', '*', '\u0000', '\u00ff', 'zz', '-', '!', '\r']) + line.slice(at);
  return line + line.slice(at);
}

function makeCase(rng: Rng): { name: string; lines: string[] } {
  const ext = pick(rng, ['.ndb', '.ndb', '.ndb', '.hdb', '.hsb']);
  const lines = Array.from({ length: rng.int(1, 3) }, () => damage(rng, ext === '.ndb' ? ndbLine(rng) : hashLine(rng)));
  if (rng.next() < 0.1) lines.splice(rng.int(0, lines.length), 0, '# comment', '');
  return { name: `fuzz-${rng.int(0, 9999)}${ext}`, lines };
}

/** An input that makes hits dense for the case's anchors, and a random one. */
function inputsFor(rng: Rng, lines: string[]): Uint8Array[] {
  const hex = lines.join('').replace(/[^0-9a-f]/g, '').slice(0, 8);
  const pattern = hex.length >= 2 ? Buffer.from(hex.slice(0, hex.length & ~1), 'hex') : Buffer.from([0x41]);
  const dense = new Uint8Array(8192);
  for (let i = 0; i < dense.length; i++) dense[i] = pattern[i % pattern.length]!;
  return [rng.bytes(4096), dense];
}

it(`every fuzzed signature file ends in a load error naming file and line, or a bounded scan (seed ${SEED})`, () => {
  const rng = seededRandom(SEED);
  const started = Date.now();
  let refused = 0;
  let scanned = 0;
  for (let k = 0; k < CASES; k++) {
    const { name, lines } = makeCase(rng);
    const text = `${lines.join('\n')}\n`;
    const where = `case ${k} (seed ${SEED}): ${name}: ${JSON.stringify(text.slice(0, 300))}`;
    let db;
    try {
      db = parseSignatureFiles([{ name, data: new TextEncoder().encode(text) }]);
    } catch (err) {
      if (!(err instanceof SignatureSyntaxError)) throw new Error(`${where}: threw ${String(err)}`, { cause: err });
      expect({ where, file: err.file, lineOk: err.line >= 1 && err.line <= lines.length + 2 }).toEqual({ where, file: name, lineOk: true });
      expect(err.message.startsWith(`${name}:${err.line}:`)).toBe(true);
      refused++;
      continue;
    }
    const engine = compileEngine(db);
    for (const input of inputsFor(rng, lines)) {
      const session = engine.createScan(input.length);
      session.update(input);
      const work = session.work;
      session.finish();
      expect({ where, bounded: work <= workAllowance(engine.limits, input.length) + 65536 }).toEqual({ where, bounded: true });
    }
    scanned++;
  }
  // Both outcomes must occur, or the generator has drifted into testing only one of them.
  expect(refused).toBeGreaterThan(CASES / 20);
  expect(scanned).toBeGreaterThan(CASES / 20);
  expect(Date.now() - started).toBeLessThan(90_000);
}, 120_000);
