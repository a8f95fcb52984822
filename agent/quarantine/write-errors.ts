import { describeFullDisk } from '../store/disk-space.js';

/**
 * A failed write to `folder` in words: a full disk says so and names the folder, instead of
 * "ENOSPC: no space left on device, write".
 */
export function describeWriteError(err: unknown, folder: string): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOSPC') return describeFullDisk(folder) ?? `the disk holding ${folder} is full`;
  if (code === 'EDQUOT') return `the disk quota for ${folder} is used up`;
  if (code === 'EROFS') return `${folder} is on a read-only file system`;
  return (err as Error).message;
}
