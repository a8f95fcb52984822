import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AgentProcess, waitUntil } from '../helpers/agent-process.js';
import { eicarBytes } from '../helpers/eicar.js';
import { runCli } from '../helpers/run-cli.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { CentralProcess } from '../central/central-process.js';
import { rawRequest } from '../central/http-client.js';
import { freePort } from '../../bench/free-port.js';

/**
 * The whole path with real processes: `epq agent` quarantines a detection and forwards it to
 * `epq central serve`; `epq status` shows what waits while the server is down.
 */
describe('epq agent forwarding to epq central', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let protectedDir: string;
  let port: number;
  let central: CentralProcess;
  let agent: AgentProcess;
  let ctx: string[];

  const samples = async (): Promise<{ id: string; state: string; fileName: string }[]> => (await rawRequest(`${central.url}/samples`, 'GET', {})).json.samples;
  const status = async (): Promise<{ forwarding: { backlog: number | null } }> => JSON.parse((await runCli(['status', '--json', ...ctx])).stdout);
  const items = async (): Promise<{ id: string; fileName: string; status: string; state: string }[]> => JSON.parse((await runCli(['quarantine', 'list', '--json', ...ctx])).stdout);

  beforeAll(async () => {
    ({ dir, cleanup } = await makeTempDir('epq-agent-forward-'));
    protectedDir = join(dir, 'root/home/u/protected');
    await mkdir(protectedDir, { recursive: true });
    port = await freePort();
    central = await CentralProcess.start(join(dir, 'central'), [], port);
    const configFile = join(dir, 'agent.json');
    await writeFile(configFile, JSON.stringify({
      stateDir: join(dir, 'state'),
      root: join(dir, 'root'),
      watch: { paths: [protectedDir], stableMs: '100ms' },
      central: { url: central.url, retryInterval: '1s', statusInterval: '1s' },
      log: { file: join(dir, 'state', 'epq.log') },
    }));
    ctx = ['--config', configFile];
    agent = new AgentProcess(ctx);
    await agent.waitFor('agent started');
  }, 60_000);

  afterAll(async () => {
    if (agent.child.exitCode === null) await agent.stop();
    await central.stop();
    await cleanup();
  });

  it('forwards a quarantined detection, then mirrors the server\'s verdict into the item', async () => {
    await writeFile(join(protectedDir, 'first.com'), eicarBytes());
    await waitUntil(async () => (await samples()).length === 1, 20_000, () => agent.output);
    expect((await samples())[0]).toMatchObject({ fileName: 'first.com', state: 'infected' });
    await agent.waitFor('sample forwarded');
    await waitUntil(async () => (await items())[0]?.status === 'Unneeded', 10_000, async () => JSON.stringify(await items()));
    expect((await status()).forwarding.backlog).toBe(0);
  });

  it('keeps a backlog while the server is down (shown by epq status) and drains it when it is back', async () => {
    await central.stop();
    await writeFile(join(protectedDir, 'second.com'), eicarBytes());
    await writeFile(join(protectedDir, 'third.com'), eicarBytes());
    await waitUntil(async () => (await status()).forwarding.backlog === 2, 20_000, () => agent.output);
    const shown = await runCli(['status', ...ctx]);
    expect(shown.stdout).toMatch(/Waiting to forward: 2/);
    await agent.waitFor('unable to connect', 20_000);
    central = await CentralProcess.start(join(dir, 'central'), [], port);
    await waitUntil(async () => (await samples()).length === 3, 20_000, () => agent.output);
    await agent.waitFor('connection restored');
    expect((await status()).forwarding.backlog).toBe(0);
    expect((await samples()).map((s) => s.fileName).sort()).toEqual(['first.com', 'second.com', 'third.com']);
  });
});
