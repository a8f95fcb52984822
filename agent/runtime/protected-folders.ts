/** The folders the agent watches, made ready at start. */
import { mkdir, stat } from 'node:fs/promises';
import { defaultProtectedFolder } from '../options/agent-options.js';

export interface WatchPathsReport {
  /** Folders created now: only the default protected folder is ever created. */
  readonly created: readonly string[];
  /** Configured paths that don't exist (a typo is reported, not created). */
  readonly missing: readonly string[];
}

/**
 * Creates the default protected folder (`~/epq-protected`) when it is watched and missing, and
 * lists the other watched paths that are missing, for the agent to print at start.
 */
export async function prepareWatchPaths(paths: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<WatchPathsReport> {
  const created: string[] = [];
  const missing: string[] = [];
  const protectedFolder = defaultProtectedFolder(env);
  for (const path of paths) {
    if (await exists(path)) continue;
    if (path === protectedFolder) {
      await mkdir(path, { recursive: true, mode: 0o755 });
      created.push(path);
    } else {
      missing.push(path);
    }
  }
  return { created, missing };
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}
