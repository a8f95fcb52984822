import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { waitUntil } from '../helpers/agent-process.js';
import { runCli } from '../helpers/run-cli.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { CentralProcess } from './central-process.js';
import { postSample, rawRequest } from './http-client.js';

const hex = (s: string): string => Buffer.from(s).toString('hex');

interface Sample {
  id: string;
  state: string;
  status: string;
  virus: string;
  scanSequence: number | null;
  definitionsNeeded: number | null;
  dateAnalyzed: string;
  errors: { word: string; message: string }[];
}

/**
 * A Central Quarantine started with newer definitions than its samples were analysed with
 * analyses them again and records the new verdicts, which is what the agents' status queries see.
 */
describe('epq central serve: samples analysed again under newer definitions', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  const running: CentralProcess[] = [];
  const data = (): string => join(dir, 'data');

  /** Builds and signs a set of body signatures (name -> marker text) with sequence `seq`. */
  async function buildSet(seq: number, signatures: Record<string, string>): Promise<string> {
    const src = join(dir, `src-${seq}`);
    await mkdir(src);
    await writeFile(join(src, 'main.ndb'), Object.entries(signatures).map(([name, marker]) => `${name}:0:*:${hex(marker)}\n`).join(''));
    const pkg = join(dir, `defs-${seq}.epqdefs`);
    const built = await runCli(['defs', 'build', '--sequence', String(seq), '--from', src, '--key', join(dir, 'pub.key'), '--out', pkg]);
    expect(built.code).toBe(0);
    return pkg;
  }

  async function start(pkg: string): Promise<CentralProcess> {
    const p = await CentralProcess.start(data(), ['--defs', pkg, '--pub', join(dir, 'pub.pub')]);
    running.push(p);
    return p;
  }

  async function samples(c: CentralProcess): Promise<Record<string, Sample>> {
    const list = (await rawRequest(`${c.url}/samples`, 'GET', {})).json.samples as Sample[];
    return Object.fromEntries(list.map((s) => [s.id, s]));
  }

  beforeAll(async () => {
    ({ dir, cleanup } = await makeTempDir('epq-central-newer-defs-'));
    expect((await runCli(['defs', 'keygen', '--out', join(dir, 'pub')])).code).toBe(0);
  });
  afterAll(async () => {
    await Promise.all(running.map((p) => p.stop()));
    await cleanup();
  });

  it('re-scans the stale samples at start, records new states, and flags an unreadable blob', async () => {
    const set5 = await buildSet(5, { 'Demo.Threat': 'demo-threat-marker' });
    const set6 = await buildSet(6, { 'New.Threat': 'new-threat-marker' });

    const first = await start(set5);
    const post = async (id: string, text: string, endpointSequence: number, virus: string): Promise<void> => {
      const r = await postSample(first.url, id, Buffer.from(text), { 'x-scan-signatures-sequence': String(endpointSequence), 'x-scan-virus-name': virus });
      expect(r.status).toBe(201);
    };
    await post('a', 'xx demo-threat-marker yy', 5, 'Demo.Threat');
    await post('b', 'xx new-threat-marker yy', 4, 'Old.Guess');
    await post('c', 'an ordinary file', 5, 'Demo.Threat');
    await post('d', 'zz demo-threat-marker zz', 5, 'Demo.Threat');
    const before = await samples(first);
    expect(before['a']).toMatchObject({ state: 'infected', status: 'Unneeded', virus: 'Demo.Threat', scanSequence: 5 });
    expect(before['b']).toMatchObject({ state: 'misfired', status: 'Needed', definitionsNeeded: 5, scanSequence: 5 });
    expect(before['c']).toMatchObject({ state: 'uninfected', status: 'Attention', scanSequence: 5 });
    expect(await first.stop()).toBe(0);
    expect(first.output).not.toMatch(/reanalysis (done|stopped)|reanalyzed/);

    // Damage d's blob: it must keep its verdict and get an error, not lose its row.
    const blobPath = join(data(), 'samples', 'd.sample');
    const blob = await readFile(blobPath);
    blob[30] = blob[30]! ^ 0xff;
    await writeFile(blobPath, blob);

    const second = await start(set6);
    await waitUntil(() => /reanalysis done/.test(second.output), 20_000, () => second.output);
    expect(second.output).toMatch(/reanalysis done: 3 sample\(s\) analysed again with definitions 6: 3 changed, 1 failed/);
    expect(second.output).toMatch(/reanalyzed b "report été.exe" with definitions 6: misfired, Needed -> infected, Unneeded \(New.Threat\)/);
    expect(second.output).toMatch(/reanalysis of d failed: .*d\.sample: the sample blob failed its integrity check/);
    const after = await samples(second);
    // Demo.Threat is gone from 6: a's and c's detections at 5 were mistakes set 6 corrects.
    expect(after['a']).toMatchObject({ state: 'misfired', status: 'Needed', definitionsNeeded: 6, scanSequence: 6, virus: 'Demo.Threat' });
    expect(after['b']).toMatchObject({ state: 'infected', status: 'Unneeded', virus: 'New.Threat', definitionsNeeded: null, scanSequence: 6 });
    expect(after['c']).toMatchObject({ state: 'misfired', status: 'Needed', definitionsNeeded: 6, scanSequence: 6 });
    expect(Date.parse(after['a']!.dateAnalyzed)).toBeGreaterThan(Date.parse(before['a']!.dateAnalyzed));
    expect(after['d']).toMatchObject({ state: 'infected', virus: 'Demo.Threat', scanSequence: 5 });
    expect(after['d']!.errors.map((e) => e.word)).toEqual(['content']);
    // What an agent's status query is answered.
    const status = await rawRequest(`${second.url}/samples/status`, 'POST', { 'content-type': 'application/json' }, Buffer.from(JSON.stringify({ ids: ['b'] })));
    expect(status.json.samples[0]).toMatchObject({ id: 'b', state: 'infected', virus: 'New.Threat' });
    expect(await second.stop()).toBe(0);

    // Up to date now: only the damaged sample is tried again.
    const third = await start(set6);
    await waitUntil(() => /reanalysis done/.test(third.output), 20_000, () => third.output);
    expect(third.output).toMatch(/reanalysis done: 0 sample\(s\) analysed again with definitions 6: 0 changed, 1 failed/);
    expect((await samples(third))['a']).toMatchObject({ dateAnalyzed: after['a']!.dateAnalyzed });
  });
});
