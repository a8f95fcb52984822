/**
 * A spawned `epq` that is given no --state-dir would use the machine's own state folder
 * (/var/lib/epq as root), shared by every test file and left behind on the machine: one file's
 * leftovers (a database of another version, a key) then break another's run. Each test file
 * gets a private default instead; tests that set EPQ_STATE_DIR or --state-dir keep theirs.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

if (process.env['EPQ_STATE_DIR'] === undefined) {
  const dir = mkdtempSync(join(tmpdir(), 'epq-default-state-'));
  // The state folder itself is private (epq makes it 0700); its parent lets a test's
  // unprivileged CLI see that it does not exist yet, as it would see /var/lib.
  chmodSync(dir, 0o755);
  process.env['EPQ_STATE_DIR'] = join(dir, 'state');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
}
