import { existsSync, renameSync } from 'node:fs';

/**
 * Renames a damaged database and its WAL and shared-memory files to `<name>.damaged-<time>`
 * (never deletes them: what is still readable in them may be wanted), so that a fresh one can be
 * created in its place. Returns the new names of the files that existed.
 * @throws the system error of rename.
 */
export function setAsideDatabase(path: string, now: Date = new Date()): string[] {
  const stamp = now.toISOString().replace(/[:.]/g, '-');
  const moved: string[] = [];
  for (const suffix of ['', '-wal', '-shm']) {
    const from = `${path}${suffix}`;
    if (!existsSync(from)) continue;
    const to = `${path}.damaged-${stamp}${suffix}`;
    renameSync(from, to);
    moved.push(to);
  }
  return moved;
}
