import { spawn, type ChildProcess } from 'node:child_process';
import { REPO_ROOT } from './run-cli.js';

/** A real `epq agent` process, with its output collected and a way to wait for lines. */
export class AgentProcess {
  readonly child: ChildProcess;
  output = '';
  private exitCode: Promise<number | null>;

  constructor(args: readonly string[], env: NodeJS.ProcessEnv = process.env) {
    this.child = spawn(process.execPath, [`${REPO_ROOT}/bin/epq.js`, 'agent', ...args], { cwd: REPO_ROOT, env: { ...env, NO_COLOR: '1' } });
    this.child.stdout!.on('data', (d: Buffer) => (this.output += d.toString()));
    this.child.stderr!.on('data', (d: Buffer) => (this.output += d.toString()));
    this.exitCode = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
  }

  /** Resolves when the output contains `text` (or matches), rejects after `ms`. */
  async waitFor(text: string | RegExp, ms = 20_000): Promise<void> {
    await waitUntil(() => (typeof text === 'string' ? this.output.includes(text) : text.test(this.output)), ms, () => `agent output never showed ${String(text)}:\n${this.output}`);
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    this.child.kill(signal);
    return this.exitCode;
  }

  exited(): Promise<number | null> {
    return this.exitCode;
  }
}

/** Polls `check` every 50 ms until it returns true; rejects with `describe()` after `ms`. */
export async function waitUntil(check: () => boolean | Promise<boolean>, ms: number, describe: () => string | Promise<string>): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(await describe());
}
