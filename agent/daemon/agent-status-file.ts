import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** What the running agent publishes for `epq status` (the CLI never talks to the process). */
export interface AgentStatusSnapshot {
  readonly pid: number;
  readonly startedAt: string;
  readonly updatedAt: string;
  readonly definitions: { readonly sequence: number; readonly created: string; readonly certified: boolean; readonly label: string };
  readonly watched: readonly string[];
  readonly queued: number;
  readonly scanned: number;
  readonly quarantined: number;
  readonly lastUpdateCheck: { readonly at: string; readonly result: string; readonly reason?: string } | null;
}

export const STATUS_FILE = 'agent-status.json';

/** Written atomically (temp + rename) so a reader never sees half a file. */
export async function writeStatusFile(stateDir: string, snapshot: AgentStatusSnapshot): Promise<void> {
  const path = join(stateDir, STATUS_FILE);
  await writeFile(`${path}.tmp`, `${JSON.stringify(snapshot, null, 2)}\n`, { mode: 0o600 });
  await rename(`${path}.tmp`, path);
}

export async function readStatusFile(stateDir: string): Promise<AgentStatusSnapshot | null> {
  try {
    return JSON.parse(await readFile(join(stateDir, STATUS_FILE), 'utf8')) as AgentStatusSnapshot;
  } catch {
    return null;
  }
}
