import type { AgentConfig } from '../config/index.js';
import { openUpdateContext, type UpdateContext } from '../updates/update-context.js';
import { readDiskStatus } from './disk-status.js';
import { collectEvents, LocalEndpoint } from './local-endpoint.js';
import { openQuarantine } from './open-quarantine.js';

export interface OpenEndpointOptions {
  /** Only reads (list, show, status): never waits for another command's lock. */
  readonly readOnly?: boolean;
  /** Hold the store's lock only while opening (the tray, which must not keep an agent from starting). */
  readonly holdLock?: boolean;
}

/**
 * The endpoint in this process, for a front end when no agent runs: the store opened (and
 * recovered, holding its lock), the definitions loaded on first need.
 * @throws ConfigError, DatabaseError, QuarantineError, AgentLockError (another command keeps the lock).
 */
export async function openLocalEndpoint(config: AgentConfig, options: OpenEndpointOptions = {}): Promise<LocalEndpoint> {
  const quarantine = await openQuarantine(config, { kind: 'command', readOnly: options.readOnly === true, ...(options.holdLock !== undefined && { holdLock: options.holdLock }) });
  const { events, sink } = collectEvents();
  let updates: Promise<UpdateContext> | null = null;
  return new LocalEndpoint({
    config,
    quarantine,
    events,
    updates: () => (updates ??= openUpdateContext({ stateDir: config.stateDir, trustedKeyFiles: config.definitions.trustedKeys, keep: config.definitions.keep, events: sink })),
    describeStatus: () => readDiskStatus(config),
    close: () => quarantine.close(),
  });
}
