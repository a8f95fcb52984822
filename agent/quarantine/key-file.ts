import { randomBytes } from 'node:crypto';
import { closeSync, constants, fstatSync, openSync, readFileSync, writeSync, fsyncSync } from 'node:fs';
import { QuarantineError } from './quarantine-errors.js';

const KEY_LENGTH = 32;

/**
 * Loads the quarantine key, creating it (mode 0600, exclusive create so two starts can't race
 * to two keys) the first time. Without this key no package can be read, so it is never
 * replaced: a wrong-sized or group-readable key is an error, not something to fix silently.
 * @throws QuarantineError naming the key file.
 */
export function loadOrCreateKey(path: string): Buffer {
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
