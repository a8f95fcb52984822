import { spawn, type SpawnOptions } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export type CliOptions = SpawnOptions & {
  /** Text written to the command's standard input. */
  input?: string;
  /** The folder holding bin/epq.js (default: this checkout). */
  programRoot?: string;
};

/** Runs `epq ARGS...` as a user would (the built CLI through bin/epq.js). */
export function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  const { programRoot = REPO_ROOT, input, ...spawnOptions } = options;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [`${programRoot}/bin/epq.js`, ...args], { cwd: programRoot, ...spawnOptions });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    if (input !== undefined) child.stdin!.end(input);
    else child.stdin?.end();
  });
}
