/** The agent's state folder: private to the user that runs the agent. */
import { mkdir, stat } from 'node:fs/promises';
import { resolve } from 'node:path';

/** The state folder can't be used safely; says why and what to do. */
export class StateDirError extends Error {
  override name = 'StateDirError';

  constructor(readonly path: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export interface StateDir {
  readonly path: string;
  /** It did not exist and was created (mode 0700). */
  readonly created: boolean;
}

/**
 * Creates the state folder (and missing parents) with mode 0700, or checks the existing one. It
 * holds the quarantine and its key, so it is refused when it is not a folder, belongs to another
 * user, or others may write into it (they could swap the database or the blobs).
 * @throws StateDirError naming the folder.
 */
export async function ensureStateDir(stateDir: string): Promise<StateDir> {
  const path = resolve(stateDir);
  let created: string | undefined;
  try {
    created = await mkdir(path, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw new StateDirError(path, `cannot create the state folder ${path}: ${(err as Error).message}`, { cause: err });
  }
  const info = await stat(path);
  if (!info.isDirectory()) throw new StateDirError(path, `the state folder ${path} is not a folder`);
  const uid = process.getuid?.();
  if (uid !== undefined && info.uid !== uid) {
    throw new StateDirError(path, `the state folder ${path} belongs to user id ${info.uid}, not to the user running the agent (${uid}); ` +
      `chown it or choose another state folder`);
  }
  const mode = info.mode & 0o777;
  if (mode & 0o022) {
    const who = [mode & 0o020 ? 'its group' : '', mode & 0o002 ? 'all users' : ''].filter(Boolean).join(' and ');
    throw new StateDirError(path, `the state folder ${path} is writable by ${who} (mode ${mode.toString(8).padStart(4, '0')}), ` +
      `so they could tamper with the quarantine; run \`chmod 700 ${path}\` or choose another state folder`);
  }
  return { path, created: created !== undefined };
}
