import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from './run-cli.js';

/** A child process swapping `a` and `b` (renameat2 RENAME_EXCHANGE) until stopped. */
export interface ExchangeAttacker {
  /** Stops it with both names back as they were; resolves to the number of swaps made. */
  stop(): Promise<number>;
}

/**
 * Starts the swapping loop and resolves once it runs. With `holdUs`, it stays swapped for
 * `swapped` microseconds and unswapped for `original`; without, it swaps as fast as it can.
 */
export async function startExchangeAttacker(a: string, b: string, holdUs?: { swapped: number; original: number }): Promise<ExchangeAttacker> {
  const addon = join(REPO_ROOT, 'build', 'Release', 'epq_native.node');
  const child: ChildProcess = spawn(process.execPath, [join(REPO_ROOT, 'test', 'helpers', 'exchange-loop.mjs'), addon, a, b, String(holdUs?.swapped ?? 0), String(holdUs?.original ?? 0)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  await new Promise<void>((resolve, reject) => {
    const poll = setInterval(() => {
      if (out.startsWith('ready\n')) {
        clearInterval(poll);
        resolve();
      }
    }, 5);
    void exited.then(() => {
      clearInterval(poll);
      reject(new Error(`the exchange loop exited before it started: ${out}`));
    });
  });
  return {
    async stop() {
      child.kill('SIGTERM');
      const code = await exited;
      if (code !== 0) throw new Error(`the exchange loop failed (exit ${code})`);
      return Number(out.slice('ready\n'.length).trim());
    },
  };
}
