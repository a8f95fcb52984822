import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const FILE = 'pending-scans.json';

/**
 * Files changed but not yet scanned when the agent stopped. Kept across a restart, because the
 * watcher only reports new changes: without this, a SIGTERM in a burst would leave files that
 * are never scanned.
 */
export async function savePendingScans(stateDir: string, paths: readonly string[]): Promise<void> {
  if (paths.length === 0) return;
  await writeFile(join(stateDir, FILE), JSON.stringify(paths), { mode: 0o600 });
}

export async function takePendingScans(stateDir: string): Promise<string[]> {
  const path = join(stateDir, FILE);
  try {
    const list = JSON.parse(await readFile(path, 'utf8')) as unknown;
    await rm(path, { force: true });
    return Array.isArray(list) ? list.filter((p): p is string => typeof p === 'string') : [];
  } catch {
    return [];
  }
}
