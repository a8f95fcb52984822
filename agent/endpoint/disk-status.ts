import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { AgentConfig } from '../config/index.js';
import { countForwardBacklog } from '../forward/outbox.js';
import { QuarantineRecords } from '../quarantine/quarantine-records.js';
import { StatusReader } from '../status/status-reader.js';
import { openDatabase } from '../store/open-database.js';
import type { EndpointStatus } from './endpoint-status.js';

/**
 * The status as the state folder tells it, when no agent answers: what is installed, not what
 * runs. Opens the database read-only and only if it exists (a status never creates state).
 * @throws the system error of an unreadable state folder (EACCES: the caller says "cannot tell").
 */
export async function readDiskStatus(config: AgentConfig, reader = new StatusReader(config)): Promise<EndpointStatus> {
  const summary = await reader.read();
  let totals = { count: 0, bytes: 0 };
  let backlog = 0;
  const dbPath = join(config.stateDir, 'agent.db');
  if (existsSync(dbPath)) {
    const db = openDatabase(dbPath);
    try {
      totals = new QuarantineRecords(db).totals();
      backlog = countForwardBacklog(db);
    } finally {
      db.close();
    }
  }
  return {
    running: summary.running,
    pid: summary.pid,
    stateDir: config.stateDir,
    definitions: { sequence: summary.definitions.sequence, created: summary.definitions.created, certified: null, switchedAt: summary.definitions.switchedAt, builtin: summary.definitions.builtin },
    lastUpdateCheck: summary.lastUpdateCheck,
    updateSource: summary.updateSource,
    watched: summary.watched,
    queued: null,
    queueLimit: config.watch.queueLimit,
    quarantine: { items: totals.count, bytes: totals.bytes, maxSize: config.quarantine.maxSize, lowSpaceRatio: config.quarantine.lowSpaceRatio },
    forwarding: { url: config.central.url, backlog: config.central.url ? backlog : null },
    maxAgeMs: config.definitions.maxAge,
  };
}
