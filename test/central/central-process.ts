import { spawn, type ChildProcess } from 'node:child_process';
import { waitUntil } from '../helpers/agent-process.js';
import { REPO_ROOT } from '../helpers/run-cli.js';

/** A real `epq central serve` process; `url` is known once it printed its startup line. */
export class CentralProcess {
  readonly child: ChildProcess;
  output = '';
  url = '';
  private readonly exited: Promise<number | null>;

  private constructor(args: readonly string[], env: NodeJS.ProcessEnv) {
    this.child = spawn(process.execPath, [`${REPO_ROOT}/bin/epq.js`, 'central', 'serve', ...args], { cwd: REPO_ROOT, env: { ...process.env, ...env } });
    this.child.stdout!.on('data', (d: Buffer) => (this.output += d.toString()));
    this.child.stderr!.on('data', (d: Buffer) => (this.output += d.toString()));
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
  }

  /** Starts a server on `127.0.0.1:port` (0 = any) over `dataDir` and waits for its URL. */
  static async start(dataDir: string, extra: readonly string[] = [], port = 0, env: NodeJS.ProcessEnv = {}): Promise<CentralProcess> {
    const p = new CentralProcess(['--listen', `127.0.0.1:${port}`, '--data', dataDir, ...extra], env);
    await waitUntil(() => /listening on (\S+)/.test(p.output) || p.child.exitCode !== null, 20_000, () => `central never started:\n${p.output}`);
    const m = /listening on (\S+)/.exec(p.output);
    if (!m) throw new Error(`central did not start:\n${p.output}`);
    p.url = m[1]!;
    return p;
  }

  get port(): number {
    return Number(new URL(this.url).port);
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    return this.exited;
  }
}
