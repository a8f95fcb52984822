import { existsSync, writeFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AgentProcess, waitUntil } from '../helpers/agent-process.js';
import { eicarBytes } from '../helpers/eicar.js';
import { runCli } from '../helpers/run-cli.js';
import { makeTempDir } from '../helpers/temp-dir.js';

/**
 * Defect 8 of issue 12, on access: chokidar decodes names as UTF-8 and drops a file whose name
 * is not valid UTF-8 without an event. The agent says so and walks the folder by bytes.
 */
describe('epq agent: a name that is not valid UTF-8 dropped into a protected folder', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let agent: AgentProcess;
  let configFile: string;

  beforeAll(async () => {
    ({ dir, cleanup } = await makeTempDir('epq-agent-bytes-'));
    const protectedDir = join(dir, 'root', 'home', 'u', 'protected');
    await mkdir(protectedDir, { recursive: true });
    configFile = join(dir, 'agent.json');
    await writeFile(configFile, JSON.stringify({
      stateDir: join(dir, 'state'),
      root: join(dir, 'root'),
      watch: { paths: [protectedDir], stableMs: '100ms' },
      log: { file: join(dir, 'state', 'epq.log') },
    }));
    agent = new AgentProcess(['--config', configFile]);
    await agent.waitFor('agent started');
  }, 60_000);

  afterAll(async () => {
    if (agent.child.exitCode === null) await agent.stop();
    await cleanup();
  });

  it('logs it clearly and quarantines it', async () => {
    const file = Buffer.from(`${join(dir, 'root', 'home', 'u', 'protected')}/caf\xe9.com`, 'latin1');
    writeFileSync(file, eicarBytes());
    const list = async (): Promise<{ fileName: string; originalPathBytes: unknown }[]> =>
      JSON.parse((await runCli(['quarantine', 'list', '--json', '--config', configFile])).stdout);
    await waitUntil(async () => (await list()).some((i) => i.fileName === 'caf\\xe9.com'), 30_000, async () => `not quarantined:\n${agent.output}`);
    expect(existsSync(file)).toBe(false);
    expect(agent.output).toContain('whose name is not valid UTF-8 changed');
    expect(agent.output).toContain('walked by bytes');
  }, 60_000);
});
