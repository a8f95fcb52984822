import type { AgentConfig } from '../config/index.js';
import type { EventSink } from '../events/agent-event.js';
import type { QuarantineStore } from '../quarantine/quarantine-store.js';
import { machineIdentity } from '../runtime/index.js';
import { ForwardConfigError } from './forward-errors.js';
import { Forwarder } from './forwarder.js';

/**
 * Starts forwarding when `central.url` is set; null when it is not, or when the settings are
 * unusable (reported as an `unable to connect` event: protection runs on without forwarding,
 * and the items are queued at the next start with a fixed config).
 * @throws only what the database throws.
 */
export async function startForwarding(central: AgentConfig['central'], store: QuarantineStore, events: EventSink, network?: AgentConfig['network']): Promise<Forwarder | null> {
  if (central.url === null) return null;
  const identity = await machineIdentity().catch(() => null);
  try {
    const forwarder = new Forwarder(store, {
      url: central.url,
      token: central.token,
      caFile: central.caFile,
      proxy: network?.proxy ?? null,
      stripUserData: central.stripUserData,
      retryInterval: central.retryInterval,
      statusInterval: central.statusInterval,
      address: identity?.address ?? null,
    }, events);
    forwarder.start();
    return forwarder;
  } catch (err) {
    if (!(err instanceof ForwardConfigError)) throw err;
    events({ name: 'unable to connect', severity: 'error', message: `not forwarding to the Central Quarantine: ${err.message}`, data: { url: err.url } });
    return null;
  }
}
