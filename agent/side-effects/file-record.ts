import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import type { FileSideEffectRole, FoundFileSideEffect } from './side-effect.js';
import type { LimitedRead } from './read-limited.js';

/** Lower-case hex SHA-256 of some bytes. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Lower-case hex SHA-256 of a file, streamed; a symlink in its place is an error (ELOOP). */
export async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  const handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  try {
    for await (const chunk of handle.createReadStream({ autoClose: false })) hash.update(chunk as Buffer);
  } finally {
    await handle.close();
  }
  return hash.digest('hex');
}

/** Turns a file that was just read into a file side effect carrying its bytes. */
export function recordFileEffect(role: FileSideEffectRole, systemPath: string, read: LimitedRead): FoundFileSideEffect {
  const { stat, bytes } = read;
  return {
    kind: 'file',
    role,
    path: systemPath,
    size: bytes.length,
    sha256: sha256Hex(bytes),
    mode: stat.mode & 0o7777,
    uid: stat.uid,
    gid: stat.gid,
    atimeMs: stat.atimeMs,
    mtimeMs: stat.mtimeMs,
    ...(read.timesNs && { atimeNs: read.timesNs.atimeNs.toString(), mtimeNs: read.timesNs.mtimeNs.toString() }),
    content: bytes,
  };
}
