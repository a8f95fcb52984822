import { nativeBinding, type PathArg } from './native-binding.js';
import { asSystemCallError } from './system-call-error.js';

/**
 * fanotify_init(2): a new fanotify group fd (FAN_CLOEXEC always added). Needs CAP_SYS_ADMIN;
 * FAN_CLASS_CONTENT with FAN_OPEN_PERM marks lets the agent hold an open until it scanned.
 * @throws SystemCallError (EPERM without the capability, EINVAL, ...), NativeAddonMissingError.
 */
export function fanotifyInit(flags: number, eventFlags: number): number {
  try {
    return nativeBinding().fanotifyInit(flags, eventFlags);
  } catch (err) {
    throw asSystemCallError(err);
  }
}

/**
 * fanotify_mark(2): adds or removes `mask` events on `path` (relative to `dirfd`).
 * @throws SystemCallError (ENOENT, ENOTDIR with FAN_MARK_ONLYDIR, EINVAL, ...), NativeAddonMissingError.
 */
export function fanotifyMark(fd: number, flags: number, mask: number | bigint, dirfd: number, path: PathArg): void {
  try {
    nativeBinding().fanotifyMark(fd, flags, mask, dirfd, path);
  } catch (err) {
    throw asSystemCallError(err);
  }
}
