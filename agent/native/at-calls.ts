/**
 * The *at system calls, typed: each acts relative to a folder fd, so a path is resolved once.
 * Every function throws SystemCallError (`.code` 'ENOENT', 'ELOOP', 'EXDEV', ...) for a failed
 * call, and NativeAddonMissingError when the addon is not built.
 */
import { nativeBinding, type NativeConstants, type NativeStat, type PathArg } from './native-binding.js';
import { asSystemCallError } from './system-call-error.js';

export type { NativeStat, PathArg } from './native-binding.js';

/** The addon's constants (O_*, AT_*, RENAME_*, RESOLVE_*, FAN_*). @throws NativeAddonMissingError */
export function nativeConstants(): NativeConstants {
  return nativeBinding().constants;
}

function call<T>(run: () => T): T {
  try {
    return run();
  } catch (err) {
    throw asSystemCallError(err);
  }
}

/** openat(2); O_CLOEXEC is always added. Returns the new fd. @throws SystemCallError */
export function openat(dirfd: number, path: PathArg, flags: number, mode = 0): number {
  return call(() => nativeBinding().openat(dirfd, path, flags, mode));
}

/** openat2(2) with `resolve` (RESOLVE_*). @throws SystemCallError (ENOSYS before Linux 5.6, EXDEV/ELOOP when resolve refuses) */
export function openat2(dirfd: number, path: PathArg, flags: number, mode: number, resolve: number): number {
  return call(() => nativeBinding().openat2(dirfd, path, flags, mode, resolve));
}

/** fstatat(2) with nanosecond times; `''` with AT_EMPTY_PATH stats `dirfd` itself. @throws SystemCallError */
export function fstatat(dirfd: number, path: PathArg, flags: number): NativeStat {
  return call(() => nativeBinding().fstatat(dirfd, path, flags));
}

/** unlinkat(2); AT_REMOVEDIR for an empty folder. @throws SystemCallError */
export function unlinkat(dirfd: number, path: PathArg, flags = 0): void {
  call(() => nativeBinding().unlinkat(dirfd, path, flags));
}

/** mkdirat(2). @throws SystemCallError (EEXIST, ...) */
export function mkdirat(dirfd: number, path: PathArg, mode: number): void {
  call(() => nativeBinding().mkdirat(dirfd, path, mode));
}

/** renameat2(2): RENAME_NOREPLACE refuses an existing target; RENAME_EXCHANGE swaps two names. @throws SystemCallError */
export function renameat2(olddirfd: number, oldpath: PathArg, newdirfd: number, newpath: PathArg, flags = 0): void {
  call(() => nativeBinding().renameat2(olddirfd, oldpath, newdirfd, newpath, flags));
}

/** linkat(2): never replaces an existing name (EEXIST). @throws SystemCallError */
export function linkat(olddirfd: number, oldpath: PathArg, newdirfd: number, newpath: PathArg, flags = 0): void {
  call(() => nativeBinding().linkat(olddirfd, oldpath, newdirfd, newpath, flags));
}

/** readlinkat(2): a symlink's target, as bytes. @throws SystemCallError (EINVAL when not a link) */
export function readlinkat(dirfd: number, path: PathArg): Buffer {
  return call(() => nativeBinding().readlinkat(dirfd, path));
}

/** fchownat(2); AT_SYMLINK_NOFOLLOW to change a link itself, AT_EMPTY_PATH with `''` for `dirfd`. @throws SystemCallError */
export function fchownat(dirfd: number, path: PathArg, uid: number, gid: number, flags = 0): void {
  call(() => nativeBinding().fchownat(dirfd, path, uid, gid, flags));
}

/** futimens(2): access and modification times in nanoseconds since the epoch. @throws SystemCallError */
export function futimens(fd: number, atimeNs: bigint, mtimeNs: bigint): void {
  call(() => nativeBinding().futimens(fd, atimeNs, mtimeNs));
}

/** utimensat(2) with nanoseconds. @throws SystemCallError */
export function utimensat(dirfd: number, path: PathArg, atimeNs: bigint, mtimeNs: bigint, flags = 0): void {
  call(() => nativeBinding().utimensat(dirfd, path, atimeNs, mtimeNs, flags));
}
