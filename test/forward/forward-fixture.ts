import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AgentEvent } from '../../agent/events/agent-event.js';
import { Forwarder, type ForwarderOptions } from '../../agent/forward/forwarder.js';
import { Outbox } from '../../agent/forward/outbox.js';
import type { QuarantineItem } from '../../agent/quarantine/quarantine-item.js';
import { QuarantineStore } from '../../agent/quarantine/quarantine-store.js';
import { recoverStore } from '../../agent/quarantine/recover.js';
import { waitUntil } from '../helpers/agent-process.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const DETECTION = [{ signature: 'Test.Forwarded', kind: 'body' as const, offset: 0 }];

/**
 * A real quarantine (temp state folder and fake root) with items in it, and forwarders over it
 * with test-sized intervals (tens of milliseconds instead of a minute).
 */
export async function makeForwardFixture() {
  const { dir, cleanup } = await makeTempDir('epq-forward-');
  const root = join(dir, 'root');
  const stateDir = join(dir, 'state');
  await mkdir(join(root, 'home/u'), { recursive: true });
  const events: AgentEvent[] = [];
  const open = async (): Promise<QuarantineStore> => {
    const s = new QuarantineStore({ stateDir, root, computer: 'ws-test', userNameOf: () => 'alice', events: (e) => events.push(e) });
    await recoverStore(s);
    return s;
  };
  let store = await open();
  const forwarders: Forwarder[] = [];

  const fx = {
    dir,
    events,
    get store(): QuarantineStore {
      return store;
    },
    /** Writes a file under the fake root and quarantines it. */
    async quarantine(name: string, content: Buffer): Promise<QuarantineItem> {
      await writeFile(join(root, 'home/u', name), content);
      return (await store.quarantine({ path: `/home/u/${name}`, detections: DETECTION, definitionsSequence: 1 })).item;
    },
    forwarder(url: string, options: Partial<ForwarderOptions> = {}): Forwarder {
      keepErrorHistory(store);
      const f = new Forwarder(store, {
        url, token: null, caFile: null, stripUserData: false, retryInterval: 400, statusInterval: 3_600_000, address: '10.0.0.5',
        baseDelayMs: 50, idleTimeoutMs: 5000, ...options,
      }, (e) => events.push(e));
      forwarders.push(f);
      return f;
    },
    outbox(): Outbox {
      return new Outbox(store.db);
    },
    /**
     * Every failure reason the outbox recorded for `id`, oldest first. A retry that succeeds
     * clears `last_error` within milliseconds, so a test that polls the row can miss the failure;
     * a trigger in the real database keeps each one as it is written.
     */
    errorsOf(id: string): string[] {
      keepErrorHistory(store);
      return (store.db.prepare('SELECT error FROM test_forward_errors WHERE item_id = @id ORDER BY rowid').all({ id }) as { error: string }[]).map((r) => r.error);
    },
    /** Waits until nothing is pending or in flight. */
    async drained(f: Forwarder, ms = 20_000): Promise<void> {
      await waitUntil(() => f.backlog() === 0 && f.inFlight === 0, ms, () => `backlog never drained: ${f.backlog()} left; events:\n${events.map((e) => `${e.name}: ${e.message}`).join('\n')}`);
    },
    /** Closes and reopens the store: what an agent restart does to the database. */
    async reopen(): Promise<void> {
      store.close();
      store = await open();
    },
    eventNames: (): string[] => events.map((e) => e.name),
    async cleanup(): Promise<void> {
      await Promise.all(forwarders.map((f) => f.stop()));
      store.close();
      await cleanup();
    },
  };
  return fx;
}

export type ForwardFixture = Awaited<ReturnType<typeof makeForwardFixture>>;

/** A table and trigger (test only) that keep each failure reason the outbox records. */
function keepErrorHistory(store: QuarantineStore): void {
  store.db.exec(`CREATE TABLE IF NOT EXISTS test_forward_errors (item_id TEXT NOT NULL, error TEXT NOT NULL);
    CREATE TRIGGER IF NOT EXISTS test_keep_forward_errors AFTER UPDATE OF last_error ON forward_outbox
    WHEN NEW.last_error IS NOT NULL BEGIN INSERT INTO test_forward_errors (item_id, error) VALUES (NEW.item_id, NEW.last_error); END;`);
}
