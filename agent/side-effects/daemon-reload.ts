import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';

/** Where systemctl lives on the distributions epq supports. */
const SYSTEMCTL = ['/usr/bin/systemctl', '/bin/systemctl'];
const TIMEOUT_MS = 30_000;

/**
 * Asks systemd to read its unit files again after one was removed or put back, so that it
 * neither keeps starting a removed unit nor ignores a restored one. Only for the real system
 * (root `/`) with systemctl installed; elsewhere, or when it fails, the answer is `needed` and
 * the caller reports it. Never throws.
 */
export async function requestDaemonReload(realRoot: string): Promise<{ state: 'requested' | 'needed'; reason?: string }> {
  const systemctl = SYSTEMCTL.find((p) => existsSync(p));
  if (realRoot !== '/') return { state: 'needed', reason: 'the filesystem root is not /' };
  if (systemctl === undefined) return { state: 'needed', reason: 'systemctl not found' };
  return new Promise((resolve) => {
    execFile(systemctl, ['daemon-reload'], { timeout: TIMEOUT_MS }, (err) => {
      resolve(err === null ? { state: 'requested' } : { state: 'needed', reason: `systemctl daemon-reload failed: ${err.message}` });
    });
  });
}
