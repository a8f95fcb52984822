/**
 * Seeded fuzzing of definitions package headers: damaged bytes of a real package, and manifests
 * of every shape signed by the trusted key (so they get past the signature check and reach every
 * other rule). Each case must end in a DefinitionsPackageError naming the package, or in a set
 * whose test-load ends in a load error or passes, all within a bounded time.
 */
import { sign } from 'node:crypto';
import { DefinitionsPackageError, ScanCostError } from '../../definitions/errors.js';
import { loadSigningKey, loadTrustedKey, type SigningKey, type TrustedKey } from '../../definitions/keys.js';
import { encodeDefinitionsPackage, PACKAGE_MAGIC, sha256Hex, verifyDefinitionsPackage } from '../../definitions/package-format.js';
import { EMPTY_EPQ_META } from '../../definitions/epq-meta.js';
import { testLoadEngine } from '../../definitions/test-load.js';
import { SignatureSyntaxError } from '../../scanner/errors.js';
import { seededRandom } from '../helpers/seeded-random.js';
import { makeKeys, makeTempDir, removeDir, validSourceFiles } from './fixtures.js';

const SEED = Number(process.env.EPQ_FUZZ_SEED ?? 1204);
type Rng = ReturnType<typeof seededRandom>;

let root: string;
let signer: SigningKey;
let trusted: TrustedKey;
let good: Buffer;

beforeAll(async () => {
  root = await makeTempDir();
  const keys = await makeKeys(root, 'publisher');
  signer = await loadSigningKey(keys.privateKeyPath);
  trusted = await loadTrustedKey(keys.publicKeyPath);
  const files = Object.entries(validSourceFiles()).map(([name, text]) => ({ name, data: new TextEncoder().encode(text) }));
  good = Buffer.from(encodeDefinitionsPackage({ sequence: 9, created: '2025-01-01T00:00:00.000Z', certified: true, files, meta: EMPTY_EPQ_META, signatureCount: 2 }, signer));
});

afterAll(() => removeDir(root));

function pick<T>(rng: Rng, list: readonly T[]): T {
  return list[rng.int(0, list.length - 1)]!;
}

const ODD_VALUES: readonly unknown[] = [null, -1, 0, 1.5, 2 ** 53, 1e308, '', 'x', '../x', 'a/b', '\u0000', [], {}, true, 'x'.repeat(5000)];

/** A manifest with one field replaced, removed or added, and a body that may or may not fit it. */
function oddManifest(rng: Rng): { manifest: Record<string, unknown>; body: Buffer } {
  const sigs = pick(rng, ['X:0:*:41424344\n', 'X:0:*:4142{0-1048576}4344\n', 'X:0:*:zz\n', `${'Y:0:*:41424344*'.repeat(3)}45464748\n`]);
  const data = Buffer.from(sigs);
  const manifest: Record<string, unknown> = {
    format: 1, sequence: 9, created: '2025-01-01T00:00:00.000Z', certified: true, kind: 'full', keyId: signer.keyId, signatureCount: 1,
    files: [{ name: 'x.ndb', size: data.length, sha256: sha256Hex(data) }],
  };
  const keys = [...Object.keys(manifest), 'baseSequence', 'added', 'removed', 'extra'];
  for (let n = rng.int(0, 2); n > 0; n--) {
    const key = pick(rng, keys);
    if (rng.next() < 0.2) delete manifest[key];
    else manifest[key] = pick(rng, ODD_VALUES);
  }
  if (rng.next() < 0.3) {
    manifest.files = Array.from({ length: pick(rng, [0, 2, 300]) }, (_, i) => ({ name: pick(rng, [`f${i}.ndb`, 'x.ndb', '', '../up.ndb']), size: pick(rng, [0, data.length, -1, 2 ** 40]), sha256: pick(rng, [sha256Hex(data), 'zz']) }));
  }
  return { manifest, body: rng.next() < 0.8 ? data : data.subarray(0, rng.int(0, data.length)) };
}

function signedPackage(manifest: unknown, body: Buffer): Buffer {
  const json = Buffer.from(JSON.stringify(manifest), 'utf8');
  const signature = sign(null, json, signer.key).toString('base64');
  return Buffer.concat([Buffer.from(`${PACKAGE_MAGIC}\n`), json, Buffer.from(`\n${signature}\n`), body]);
}

function damaged(rng: Rng): Buffer {
  const bytes = Buffer.from(good);
  const headerEnd = bytes.indexOf(0x0a, bytes.indexOf(0x0a, bytes.indexOf(0x0a) + 1) + 1);
  switch (rng.int(0, 3)) {
    case 0:
      for (let n = rng.int(1, 4); n > 0; n--) bytes[rng.int(0, headerEnd)] = rng.int(0, 255);
      return bytes;
    case 1:
      return bytes.subarray(0, rng.int(0, bytes.length - 1));
    case 2: {
      const at = rng.int(0, headerEnd);
      return Buffer.concat([bytes.subarray(0, at), Buffer.from(rng.bytes(rng.int(1, 40))), bytes.subarray(at)]);
    }
    default:
      return Buffer.concat([bytes.subarray(0, rng.int(0, headerEnd)), Buffer.alloc(rng.int(1, 200_000), pick(rng, [0x0a, 0x7b, 0x20, 0x00]))]);
  }
}

it(`every fuzzed package header is refused with the package named, or loads within bounds (seed ${SEED})`, () => {
  const rng = seededRandom(SEED);
  const started = Date.now();
  const outcomes = { refused: 0, loadError: 0, loaded: 0 };
  for (let k = 0; k < 300; k++) {
    const path = `fuzz-${k}.epqdefs`;
    const bytes = k % 2 === 0 ? damaged(rng) : (({ manifest, body }) => signedPackage(manifest, body))(oddManifest(rng));
    let files;
    try {
      const pkg = verifyDefinitionsPackage(bytes, path, [trusted]);
      if (pkg.kind !== 'full') {
        outcomes.loaded++;
        continue;
      }
      files = pkg.set.files;
    } catch (err) {
      if (!(err instanceof DefinitionsPackageError)) throw new Error(`case ${k} (seed ${SEED}) threw ${String(err)}`, { cause: err });
      expect(err.path).toBe(path);
      expect(err.reason.length).toBeGreaterThan(0);
      outcomes.refused++;
      continue;
    }
    try {
      testLoadEngine(files);
      outcomes.loaded++;
    } catch (err) {
      if (!(err instanceof SignatureSyntaxError || err instanceof ScanCostError)) throw new Error(`case ${k} (seed ${SEED}) test-load threw ${String(err)}`, { cause: err });
      outcomes.loadError++;
    }
  }
  expect(outcomes.refused).toBeGreaterThan(100);
  expect(outcomes.loaded + outcomes.loadError).toBeGreaterThan(5);
  expect(Date.now() - started).toBeLessThan(60_000);
}, 90_000);
