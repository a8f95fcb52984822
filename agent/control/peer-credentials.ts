/**
 * Who is at the other end of a control connection. The kernel knows (SO_PEERCRED) but Node has
 * no call for it; the native addon (agent/native/peer-cred.ts, branch native-safefs) adds one.
 * Until it is there this returns null, and the socket file's mode (0600, or 0660 with a named
 * group) inside the 0700 state folder is what keeps everyone but root and the owner out.
 */
import type { Socket } from 'node:net';

export interface PeerCredentials {
  readonly pid: number;
  readonly uid: number;
  readonly gid: number;
}

type GetPeerCred = (fd: number) => PeerCredentials;

let native: Promise<GetPeerCred | null> | undefined;

/** The native getPeerCred, when the addon is built; looked up once. */
function loadNative(): Promise<GetPeerCred | null> {
  // A name in a variable: the module is optional, and absent from builds without the addon.
  const modulePath = '../native/peer-cred.js';
  native ??= import(modulePath).then(
    (m: { getPeerCred?: GetPeerCred }) => m.getPeerCred ?? null,
    () => null,
  );
  return native;
}

/**
 * The caller's credentials, or null when this build can't ask the kernel (see above).
 * @throws the addon's SystemCallError when the kernel refuses (the caller refuses the connection).
 */
export async function peerCredentials(socket: Socket): Promise<PeerCredentials | null> {
  const getPeerCred = await loadNative();
  const fd = (socket as unknown as { _handle?: { fd?: number } })._handle?.fd;
  if (!getPeerCred || typeof fd !== 'number' || fd < 0) return null;
  return getPeerCred(fd);
}

/** Root and the agent's own user may use the control socket (a named group only through the file mode). */
export function isAllowedCaller(cred: PeerCredentials, agentUid: number, allowedGid: number | null): boolean {
  return cred.uid === 0 || cred.uid === agentUid || (allowedGid !== null && cred.gid === allowedGid);
}
