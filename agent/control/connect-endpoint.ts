import type { AgentConfig } from '../config/index.js';
import type { EndpointApi } from '../endpoint/endpoint-api.js';
import { openLocalEndpoint, type OpenEndpointOptions } from '../endpoint/open-endpoint.js';
import { readAgentStatus } from '../runtime/agent-lock.js';
import { connectAgent, type ControlClient } from './control-client.js';
import { RemoteEndpoint } from './remote-endpoint.js';

/**
 * The endpoint a front end works on: the running agent's, through its socket, or, when no agent
 * runs, this process's own (one code path: the same use cases either way).
 * @throws ControlError `forbidden` (socket there, not ours to use); as openLocalEndpoint.
 */
export async function connectEndpoint(config: AgentConfig, options: OpenEndpointOptions = {}): Promise<EndpointApi> {
  const client = await reachAgent(config.stateDir);
  if (client) return new RemoteEndpoint(client);
  return openLocalEndpoint(config, options);
}

/** How long an agent that holds the lock may take to open its socket (it starts it after loading). */
const STARTING_AGENT_MS = 30_000;

/** The agent's socket; while an agent holds the lock but is still starting, waits for it. */
async function reachAgent(stateDir: string): Promise<ControlClient | null> {
  const deadline = Date.now() + STARTING_AGENT_MS;
  for (;;) {
    const client = await connectAgent(stateDir);
    if (client) return client;
    const agent = await readAgentStatus(stateDir).catch(() => ({ running: false }));
    if (!agent.running || Date.now() > deadline) return null;
    await new Promise((r) => setTimeout(r, 100));
  }
}
