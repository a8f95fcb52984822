import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { QuarantineStore } from '../../agent/quarantine/quarantine-store.js';
import { recoverStore } from '../../agent/quarantine/recover.js';
import type { AgentEvent } from '../../agent/events/agent-event.js';
import type { SideEffectPort } from '../../agent/quarantine/side-effect-port.js';
import { makeTempDir } from '../helpers/temp-dir.js';

/** A fake system root and a state folder in one temp dir, and a store over them. */
export async function makeStoreFixture(sideEffects?: SideEffectPort) {
  const { dir, cleanup } = await makeTempDir('epq-quarantine-');
  const root = join(dir, 'root');
  const stateDir = join(dir, 'state');
  await mkdir(root);
  const events: AgentEvent[] = [];
  const open = async (): Promise<QuarantineStore> => {
    const store = new QuarantineStore({ stateDir, root, computer: 'test-host', userNameOf: (uid) => `user${uid}`, events: (e) => events.push(e), ...(sideEffects && { sideEffects }) });
    await recoverStore(store);
    return store;
  };
  const writeSystemFile = async (systemPath: string, content: string | Buffer, mode = 0o644): Promise<string> => {
    const real = join(root, systemPath);
    await mkdir(join(real, '..'), { recursive: true });
    await writeFile(real, content, { mode });
    return real;
  };
  return { dir, root, stateDir, events, open, writeSystemFile, cleanup };
}
