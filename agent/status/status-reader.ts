/** Reads the agent's status from the state folder, for `epq status` and the tray's header. */
import { BUILTIN_CREATED } from '../../definitions/builtin-set.js';
import type { AgentConfig } from '../config/index.js';
import { readStatusFile } from '../daemon/agent-status-file.js';
import { readAgentStatus } from '../runtime/index.js';
import { DefinitionsStore } from '../updates/definitions-store.js';
import { readLastCheck } from '../updates/update-source.js';

/** What the agent is doing, as far as the state folder tells (the agent need not run). */
export interface AgentSummary {
  readonly running: boolean;
  readonly pid: number | null;
  readonly definitions: {
    readonly sequence: number;
    /** When the publisher built the set; null when its manifest can't be read. */
    readonly created: string | null;
    /** When this endpoint switched to it; null for the built-in set. */
    readonly switchedAt: string | null;
    readonly builtin: boolean;
  };
  readonly lastUpdateCheck: { readonly at: string; readonly result: string; readonly reason?: string } | null;
  readonly watched: readonly string[];
  /** The configured LiveUpdate source, or null when updates are installed by hand. */
  readonly updateSource: string | null;
}

/**
 * Reads the status as often as asked (the tray: once a second) without re-reading a definitions
 * set's header each time: the creation date is looked up again only when the active set changes.
 */
export class StatusReader {
  private createdFor: { readonly pointerId: string; readonly created: string | null } | null = null;

  constructor(private readonly config: AgentConfig) {}

  /** Never throws: what can't be read is shown as unknown. */
  async read(): Promise<AgentSummary> {
    const { config } = this;
    const agent = await readAgentStatus(config.stateDir).catch(() => ({ running: false, pid: undefined }));
    const published = agent.running ? await readStatusFile(config.stateDir).catch(() => null) : null;
    const store = await DefinitionsStore.open(config.stateDir, { keep: config.definitions.keep }).catch(() => null);
    const pointer = store ? await store.readPointer().catch(() => null) : null;
    const check = store ? await readLastCheck(store).catch(() => null) : null;
    const sequence = pointer?.sequence ?? 0;
    let created: string | null = BUILTIN_CREATED;
    if (published && published.definitions.sequence === sequence) created = published.definitions.created;
    else if (pointer && store) created = await this.createdOf(store, pointer.id, sequence);
    return {
      running: agent.running,
      pid: agent.pid ?? null,
      definitions: { sequence, created, switchedAt: pointer?.switchedAt ?? null, builtin: pointer === null },
      lastUpdateCheck: check ? { at: check.checkedAt, result: check.result, ...(check.reason !== undefined && { reason: check.reason }) } : null,
      watched: published?.watched ?? config.watch.paths,
      updateSource: config.definitions.source,
    };
  }

  private async createdOf(store: DefinitionsStore, pointerId: string, sequence: number): Promise<string | null> {
    if (this.createdFor?.pointerId !== pointerId) {
      const manifest = await store.readSetManifest(sequence).catch(() => null);
      this.createdFor = { pointerId, created: manifest?.created ?? null };
    }
    return this.createdFor.created;
  }
}
