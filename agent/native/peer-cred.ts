import { nativeBinding, type PeerCred } from './native-binding.js';
import { asSystemCallError } from './system-call-error.js';

export type { PeerCred } from './native-binding.js';

/**
 * Who is at the other end of a connected Unix socket (SO_PEERCRED): the kernel's word, which
 * the peer can't forge, for the agent's control socket to decide what a caller may do.
 * @throws SystemCallError (ENOTSOCK, EBADF, ...), NativeAddonMissingError.
 */
export function getPeerCred(socketFd: number): PeerCred {
  try {
    return nativeBinding().getPeerCred(socketFd);
  } catch (err) {
    throw asSystemCallError(err);
  }
}
