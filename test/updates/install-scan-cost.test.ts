/**
 * A signed set whose signatures would make scans hang or blow up is refused at install (and at
 * build), with an event naming why; the active set keeps scanning. The packages are signed
 * directly (not through `defs build`, which refuses them too), as a compromised or careless
 * publisher could.
 */
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PATHOLOGICAL_CASES } from '../../bench/pathological-signatures.js';
import { installDefinitions } from '../../agent/updates/install-definitions.js';
import { buildDefinitionsPackage } from '../../definitions/build-package.js';
import { EMPTY_EPQ_META } from '../../definitions/epq-meta.js';
import { loadSigningKey } from '../../definitions/keys.js';
import { encodeDefinitionsPackage } from '../../definitions/package-format.js';
import { detect, eventNames, markerOf, openContext, setSources, type Publisher, usePublisherFixture } from './helpers.js';

let root: string;
let pub: Publisher;
let state: string;

usePublisherFixture((fx) => ({ root, pub, state } = fx));

async function signedWith(sequence: number, extra: Record<string, string>): Promise<string> {
  const files = Object.entries({ ...setSources(sequence), ...extra }).map(([name, text]) => ({ name, data: new TextEncoder().encode(text) }));
  const set = { sequence, created: '2025-07-01T00:00:00.000Z', certified: true, files, meta: EMPTY_EPQ_META, signatureCount: files.length };
  const out = join(root, `costly-${sequence}-${Object.keys(extra).join('-')}.epqdefs`);
  await writeFile(out, encodeDefinitionsPackage(set, await loadSigningKey(pub.keyFile)));
  return out;
}

const ndbOf = (name: string): string => PATHOLOGICAL_CASES.find((c) => c.name === name)!.ndb();

test('a set with 2,000 signatures sharing one 2-byte anchor is refused by the stress scan, naming the anchor and the file', async () => {
  const { ctx, events } = await openContext(state, [pub.trusted]);
  await installDefinitions(await pub.full(3), ctx);
  events.length = 0;
  const costly = await signedWith(4, { 'shared.ndb': ndbOf('shared-anchor') });
  const result = await installDefinitions(costly, ctx);
  expect(result).toMatchObject({ installed: false, package: costly, activeSequence: 3 });
  const reason = (result as { reason: string }).reason;
  expect(reason).toMatch(/^signatures fail to load: scan cost test failed: anchor 4142 repeated \(from shared\.ndb:1, the anchor of 2000 signature parts\) costs more than \d+ scan steps for 4096 bytes/);
  expect(eventNames(events)).toEqual(['definitions refused']);
  expect(events[0]!.data).toMatchObject({ package: costly, reason });
  expect(ctx.definitions.current().sequence).toBe(3);
  expect(detect(ctx, markerOf(3))).toEqual(['Marker.3']);
  expect((await readdir(join(state, 'definitions'))).filter((f) => f.endsWith('.epqset'))).toEqual(['defs-3.epqset']);
});

test('a set with a signature over a limit is refused, naming file, line, column and the limit', async () => {
  const { ctx, events } = await openContext(state, [pub.trusted]);
  const costly = await signedWith(5, { 'gap.ndb': `Ok:0:*:41424344\n${ndbOf('wide-gap')}` });
  const result = await installDefinitions(costly, ctx);
  expect(result).toMatchObject({ installed: false, reason: 'signatures fail to load: gap.ndb:2:19: part 1 spans up to 1048580 bytes; the limit is 65536' });
  expect(eventNames(events)).toEqual(['definitions refused']);
  expect(ctx.definitions.current().sequence).toBe(0);
});

test('defs build refuses the same sources before anything is signed', async () => {
  const out = join(root, 'never.epqdefs');
  const build = async (extra: Record<string, string>): Promise<unknown> => buildDefinitionsPackage({
    sourceDir: await pub.sources(6, { ...setSources(6), ...extra }),
    sequence: 6,
    signingKeyFile: pub.keyFile,
    outFile: out,
    certified: true,
  });
  await expect(build({ 'shared.ndb': ndbOf('shared-anchor') })).rejects.toThrow(/test load failed: scan cost test failed: anchor 4142 repeated \(from shared\.ndb:1/);
  await expect(build({ 'chain.ndb': ndbOf('chained-gaps') })).rejects.toThrow(/test load failed: chain\.ndb:1:17: part 1 has 30000 ranges and alternatives; the limit is 32 per part/);
  expect((await readdir(root)).includes('never.epqdefs')).toBe(false);
});
