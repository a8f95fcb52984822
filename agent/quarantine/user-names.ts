import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Maps a uid to a user name from `<root>/etc/passwd` (the fake system's own in tests), falling
 * back to the number: the guide's "User name" column shows whose file it was.
 */
export function userNamesFrom(root: string): (uid: number) => string {
  const names = new Map<number, string>();
  try {
    for (const line of readFileSync(join(root, 'etc/passwd'), 'utf8').split('\n')) {
      const [name, , uid] = line.split(':');
      if (name && uid !== undefined && /^\d+$/.test(uid)) names.set(Number(uid), name);
    }
  } catch {
    // No passwd file under this root: numbers it is.
  }
  return (uid) => names.get(uid) ?? String(uid);
}
