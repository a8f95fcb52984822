import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BUILTIN_SEQUENCE, findBuiltinFolder, findPackageRoot, loadBuiltinSet } from '../../definitions/builtin-set.js';
import { listCompanions } from '../../definitions/epq-meta.js';
import { loadScanDefinitions } from '../../definitions/load-scan-definitions.js';
import { compileEngine } from '../../scanner/engine.js';
import { makeDemoMarker, makeEicar } from './fixtures.js';

const encode = (text: string) => new TextEncoder().encode(text);

test('the package root is found from the source tree', async () => {
  const root = await findPackageRoot();
  expect(JSON.parse(await readFile(join(root, 'package.json'), 'utf8')).name).toBe('epq');
  expect(await findBuiltinFolder()).toBe(join(root, 'definitions', 'builtin'));
});

test('the built-in set loads with sequence 0 and the dropper companion', async () => {
  const set = await loadBuiltinSet();
  expect(set.sequence).toBe(BUILTIN_SEQUENCE);
  expect(set.sequence).toBe(0);
  expect(set.signatureCount).toBe(6);
  expect(set.files.map((f) => f.name)).toEqual(['builtin.hdb', 'builtin.ndb', 'epq-meta.json']);
  expect(listCompanions(set.meta, 'Epq.Demo.Dropper')).toEqual(['/tmp/epq-demo-dropper.payload']);
});

test('the built-in signatures detect EICAR and the demo markers, and nothing in plain text', async () => {
  const defs = await loadScanDefinitions({});
  expect(defs.label).toBe('built-in definitions (sequence 0)');
  const engine = compileEngine(defs.database);
  const names = (bytes: Uint8Array) => engine.scanBuffer(bytes).detections.map((d) => d.signature).sort();

  expect(names(makeEicar())).toEqual(['Eicar-Test-Signature', 'Eicar-Test-Signature.HDB']);
  // With a trailing newline the MD5 no longer matches but the body signature at offset 0 does.
  expect(names(Buffer.concat([makeEicar(), encode('\n')]))).toEqual(['Eicar-Test-Signature']);
  expect(names(encode(`header ${makeDemoMarker()} trailer`))).toEqual(['Epq.Demo.Marker']);
  expect(names(encode(`xx ${makeDemoMarker('DROPPER')}`))).toEqual(['Epq.Demo.Dropper']);
  expect(names(encode(['EPQ-DEMO', 'WILDCARD-7-MARKER'].join('-')))).toEqual(['Epq.Demo.Wildcard']);
  expect(names(encode(['EPQ-DEMO-GAP', 'BEGIN', 'up to 32 bytes', 'EPQ-DEMO-GAP-END'].join('-')))).toEqual(['Epq.Demo.Gap']);
  expect(names(encode(['EPQ-DEMO-GAP', 'BEGIN', 'x'.repeat(40), 'EPQ-DEMO-GAP-END'].join('-')))).toEqual([]);
  expect(names(encode('an ordinary text file'))).toEqual([]);
});

test('no file in the repository carries the EICAR string literally', async () => {
  const eicarText = Buffer.from(makeEicar()).toString('latin1');
  const root = await findPackageRoot();
  for (const dir of ['definitions', 'definitions/builtin', 'test/definitions']) {
    for (const entry of await readdir(join(root, dir), { withFileTypes: true })) {
      if (!entry.isFile()) continue;
      expect((await readFile(join(root, dir, entry.name), 'latin1')).includes(eicarText)).toBe(false);
    }
  }
});
