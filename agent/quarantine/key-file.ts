import { randomBytes } from 'node:crypto';
import { closeSync, constants, existsSync, fstatSync, openSync, readFileSync, writeSync, fsyncSync } from 'node:fs';
import { QuarantineError } from './quarantine-errors.js';

const KEY_LENGTH = 32;

/**
 * Loads the quarantine key, creating it (mode 0600, exclusive create so two starts can't race
 * to two keys) the first time. Without this key no package can be read, so it is never
 * replaced: a wrong-sized or group-readable key is an error, not something to fix silently.
 * A missing key while packages are held is refused too: a new key would make every one of them
 * unreadable for good, silently.
 * @param heldPackages counts the packages on disk (asked only when the key is missing).
 * @throws QuarantineError naming the key file (`missing` when it is gone while packages exist).
 */
export function loadOrCreateKey(path: string, heldPackages: () => number = () => 0): Buffer {
  if (!existsSync(path)) {
    const count = heldPackages();
    if (count > 0) {
      throw new QuarantineError('missing',
        `the quarantine key ${path} is missing while ${count} quarantine package${count === 1 ? ' is' : 's are'} held; ` +
        'without it they can never be restored, so epq will not create a new key. Put the key file back (from a backup), ' +
        'or move the packages out of the blob folder to give them up', { path });
    }
  }
  try {
    const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
    try {
      writeSync(fd, randomBytes(KEY_LENGTH));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw new QuarantineError('internal', `can't create the quarantine key ${path}: ${(err as Error).message}`, { path }, { cause: err });
    }
  }
  let key: Buffer;
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (err) {
    throw new QuarantineError('internal', `can't read the quarantine key ${path}: ${(err as Error).message}`, { path }, { cause: err });
  }
  try {
    const mode = fstatSync(fd).mode & 0o777;
    if ((mode & 0o077) !== 0) {
      throw new QuarantineError('internal', `quarantine key ${path} is readable by others (mode ${mode.toString(8)}); chmod 600 it`, { path });
    }
    key = readFileSync(fd);
  } finally {
    closeSync(fd);
  }
  if (key.length !== KEY_LENGTH) {
    throw new QuarantineError('internal', `quarantine key ${path} is ${key.length} bytes, expected ${KEY_LENGTH}; it is damaged`, { path });
  }
  return key;
}
