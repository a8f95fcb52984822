/** Loads the N-API addon built from native/ by node-gyp at `npm ci`, typed. */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NativeAddonMissingError } from './system-call-error.js';

/** A path as the kernel sees it: bytes. A Buffer carries names that are not valid UTF-8. */
export type PathArg = string | Buffer;

/** fstatat's answer, with the times to the nanosecond. */
export interface NativeStat {
  readonly dev: bigint;
  readonly ino: bigint;
  readonly mode: number;
  readonly nlink: number;
  readonly uid: number;
  readonly gid: number;
  readonly size: number;
  readonly atimeNs: bigint;
  readonly mtimeNs: bigint;
  readonly ctimeNs: bigint;
}

export interface PeerCred {
  readonly pid: number;
  readonly uid: number;
  readonly gid: number;
}

export interface NativeConstants {
  readonly AT_FDCWD: number; readonly AT_REMOVEDIR: number; readonly AT_SYMLINK_NOFOLLOW: number;
  readonly AT_EMPTY_PATH: number; readonly AT_SYMLINK_FOLLOW: number;
  readonly O_RDONLY: number; readonly O_WRONLY: number; readonly O_RDWR: number; readonly O_CREAT: number;
  readonly O_EXCL: number; readonly O_TRUNC: number; readonly O_APPEND: number; readonly O_NOFOLLOW: number;
  readonly O_DIRECTORY: number; readonly O_PATH: number; readonly O_NONBLOCK: number; readonly O_CLOEXEC: number;
  readonly O_NOCTTY: number;
  readonly RENAME_NOREPLACE: number; readonly RENAME_EXCHANGE: number;
  readonly RESOLVE_NO_XDEV: number; readonly RESOLVE_NO_MAGICLINKS: number; readonly RESOLVE_NO_SYMLINKS: number;
  readonly RESOLVE_BENEATH: number; readonly RESOLVE_IN_ROOT: number;
  readonly FAN_CLASS_NOTIF: number; readonly FAN_CLASS_CONTENT: number; readonly FAN_CLASS_PRE_CONTENT: number;
  readonly FAN_NONBLOCK: number; readonly FAN_UNLIMITED_QUEUE: number;
  readonly FAN_MARK_ADD: number; readonly FAN_MARK_REMOVE: number; readonly FAN_MARK_MOUNT: number;
  readonly FAN_MARK_FILESYSTEM: number; readonly FAN_MARK_ONLYDIR: number;
  readonly FAN_OPEN_PERM: number; readonly FAN_OPEN_EXEC_PERM: number; readonly FAN_ACCESS_PERM: number;
  readonly FAN_CLOSE_WRITE: number; readonly FAN_MODIFY: number; readonly FAN_EVENT_ON_CHILD: number;
  readonly FAN_ALLOW: number; readonly FAN_DENY: number;
}

/** The addon's raw calls; they throw plain Errors carrying code, errno and syscall. */
export interface NativeBinding {
  openat(dirfd: number, path: PathArg, flags: number, mode: number): number;
  openat2(dirfd: number, path: PathArg, flags: number, mode: number, resolve: number): number;
  fstatat(dirfd: number, path: PathArg, flags: number): NativeStat;
  unlinkat(dirfd: number, path: PathArg, flags: number): void;
  mkdirat(dirfd: number, path: PathArg, mode: number): void;
  renameat2(olddirfd: number, oldpath: PathArg, newdirfd: number, newpath: PathArg, flags: number): void;
  linkat(olddirfd: number, oldpath: PathArg, newdirfd: number, newpath: PathArg, flags: number): void;
  readlinkat(dirfd: number, path: PathArg): Buffer;
  fchownat(dirfd: number, path: PathArg, uid: number, gid: number, flags: number): void;
  futimens(fd: number, atimeNs: bigint, mtimeNs: bigint): void;
  utimensat(dirfd: number, path: PathArg, atimeNs: bigint, mtimeNs: bigint, flags: number): void;
  getPeerCred(fd: number): PeerCred;
  fanotifyInit(flags: number, eventFlags: number): number;
  fanotifyMark(fd: number, flags: number, mask: number | bigint, dirfd: number, path: PathArg): void;
  readonly constants: NativeConstants;
}

const ADDON = join('build', 'Release', 'epq_native.node');

let loaded: NativeBinding | undefined;

/**
 * The addon, loaded once. It is looked for as build/Release/epq_native.node in each folder above
 * this module (the checkout for the sources and for dist/, the program folder once installed),
 * or at $EPQ_NATIVE_ADDON.
 * @throws NativeAddonMissingError naming where it looked.
 */
export function nativeBinding(): NativeBinding {
  if (loaded) return loaded;
  const candidates = addonCandidates();
  const found = candidates.find((p) => existsSync(p));
  if (found === undefined) throw new NativeAddonMissingError(candidates);
  try {
    loaded = createRequire(import.meta.url)(found) as NativeBinding;
  } catch (err) {
    throw new NativeAddonMissingError([found], { cause: err });
  }
  return loaded;
}

function addonCandidates(): string[] {
  const fromEnv = process.env['EPQ_NATIVE_ADDON'];
  if (fromEnv) return [fromEnv];
  const out: string[] = [];
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    out.push(join(dir, ADDON));
    if (dirname(dir) === dir) return out;
  }
}
