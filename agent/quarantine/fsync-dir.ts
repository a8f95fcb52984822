import { closeSync, fsyncSync, openSync } from 'node:fs';

/** Makes a rename or unlink in `dir` durable (the entry lives in the folder, not the file). */
export function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
