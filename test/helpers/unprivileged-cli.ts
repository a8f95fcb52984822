import { execFileSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { REPO_ROOT, runCli, type CliOptions, type CliResult } from './run-cli.js';

/** The uid and gid of "nobody" on Debian. */
export const NOBODY = { uid: 65534, gid: 65534 } as const;

let copy: string | null = null;

/**
 * Whether every folder from `/` down to the checkout lets others through. A checkout in a
 * private folder (such as `/root`) does not, and a process that has dropped to "nobody" can't
 * load the program from there.
 */
export function checkoutReachableByOthers(dir: string = REPO_ROOT): boolean {
  for (let d = dir; ; d = dirname(d)) {
    if ((statSync(d).mode & 0o001) === 0) return false;
    if (dirname(d) === d) return true;
  }
}

/**
 * A folder the unprivileged user can run the program from: the checkout itself when it is
 * reachable, else a copy of what the CLI loads (bin, dist, node_modules, package.json) in a
 * world-readable temp folder, made once per test file and removed at exit. Files are hard
 * linked where the file system allows it, so the copy is cheap.
 */
export function programFolderForOthers(): string {
  if (checkoutReachableByOthers()) return REPO_ROOT;
  if (copy !== null && existsSync(copy)) return copy;
  const dir = mkdtempSync(join(tmpdir(), 'epq-program-'));
  execFileSync('chmod', ['755', dir]);
  for (const part of ['bin', 'dist', 'node_modules', 'package.json', 'build', 'install', 'definitions']) {
    const from = join(REPO_ROOT, part);
    if (!existsSync(from)) continue;
    try {
      execFileSync('cp', ['-al', from, dir], { stdio: 'ignore' });
    } catch {
      execFileSync('cp', ['-a', from, dir], { stdio: 'ignore' });
    }
  }
  accessSync(join(dir, 'bin', 'epq.js'), constants.R_OK);
  copy = dir;
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * Runs `epq ARGS...` as "nobody" (when the tests run as root; as the current user otherwise),
 * from a folder that user can read even when the checkout sits in a private folder.
 */
export function runCliAsNobody(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  if (process.getuid?.() !== 0) return runCli(args, options);
  const program = programFolderForOthers();
  return runCli(args, { ...NOBODY, cwd: program, ...options, programRoot: program });
}
