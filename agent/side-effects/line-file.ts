import type { Stats } from 'node:fs';
import { lstat } from 'node:fs/promises';
import { replaceFileAtomic } from './file-writes.js';
import type { EditableLine } from './line-edit.js';
import { MIB, readLimitedFile, ReadSkip } from './read-limited.js';
import { resolveInRoot, type RootedPath } from './rooted-path.js';
import { SideEffectFileError } from './side-effect-errors.js';
import { decodeText, joinLines, parseLines } from './text-lines.js';

/**
 * Cap for a file we edit. Larger than the search cap: a crontab that grew a little since the
 * search must still lose its line, but we never load an arbitrarily large file to do it.
 */
export const MAX_EDIT_BYTES = 16 * MIB;

/** A line-oriented file loaded for editing, or known to be absent. */
export interface LineFile {
  readonly rooted: RootedPath;
  /** Undefined when the file does not exist. */
  readonly stat?: Stats;
  readonly bytes: Buffer;
  readonly lines: EditableLine[];
}

/**
 * Loads a line-oriented file (crontab, rc file...) under the root for editing.
 * @throws SideEffectPathError when the path escapes the root; SideEffectFileError when the file
 *   exists but is not a regular, readable, UTF-8 file within `MAX_EDIT_BYTES`.
 */
export async function loadLineFile(realRoot: string, systemPath: string): Promise<LineFile> {
  const rooted = await resolveInRoot(realRoot, systemPath);
  if (!rooted.exists) return { rooted, bytes: Buffer.alloc(0), lines: [] };
  const read = await readLimitedFile(realRoot, systemPath, MAX_EDIT_BYTES);
  if (read instanceof ReadSkip) throw new SideEffectFileError(systemPath, read.reason);
  let text: string;
  try {
    text = decodeText(read.bytes);
  } catch (err) {
    throw new SideEffectFileError(systemPath, `${(err as Error).message}; refusing to edit it`, { cause: err });
  }
  return { rooted: read.rooted, stat: read.stat, bytes: read.bytes, lines: parseLines(text) };
}

/**
 * The mtime an edited persistence file gets: now, but always in another whole second than the
 * one it had. cron reloads a crontab when its `st_mtime` (whole seconds) is unequal to the one it
 * saw, so two edits within one second, or a clock behind the file's time, must still change it.
 * The price is an mtime up to a second ahead of the clock after quick successive edits.
 */
export function nextEditMtimeMs(previousMtimeMs: number | undefined, nowMs = Date.now()): number {
  if (previousMtimeMs === undefined) return nowMs;
  const previousSecond = Math.floor(previousMtimeMs / 1000);
  return Math.floor(nowMs / 1000) === previousSecond ? (previousSecond + 1) * 1000 : nowMs;
}

/** The bytes of edited lines. */
export function encodeLines(lines: readonly EditableLine[]): Buffer {
  return Buffer.from(joinLines(lines), 'utf8');
}

/**
 * Writes new content over an existing line file atomically, keeping its mode, owner and atime.
 * mtime is set to `mtimeMs` (callers pass now: cron and shells notice an edit by its mtime).
 * @throws SideEffectFileError when the file changed since it was loaded; the fs error otherwise.
 */
export async function rewriteLineFile(file: LineFile, bytes: Uint8Array, mtimeMs: number, atimeMs?: number): Promise<void> {
  const stat = file.stat;
  if (stat === undefined) throw new SideEffectFileError(file.rooted.systemPath, 'the file does not exist');
  const shape = { mode: stat.mode, owner: { uid: stat.uid, gid: stat.gid }, atimeMs: atimeMs ?? stat.atimeMs, mtimeMs };
  await replaceFileAtomic(file.rooted.realPath, bytes, shape, async () => {
    const now = await lstat(file.rooted.realPath).catch(() => undefined);
    if (now === undefined || now.ino !== stat.ino || now.size !== stat.size || now.mtimeMs !== stat.mtimeMs) {
      throw new SideEffectFileError(file.rooted.systemPath, 'the file changed while it was being edited; left as it is');
    }
  });
}
