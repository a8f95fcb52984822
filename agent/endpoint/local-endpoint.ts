/**
 * Every use case of the endpoint, once, over the state opened once (config, store, definitions,
 * exceptions). The agent serves it on its control socket; a CLI command calls it directly when
 * no agent runs. Changes are made one at a time (a queue), so two requests for the same item
 * never interleave: the second sees what the first did.
 */
import type { AgentConfig } from '../config/index.js';
import type { AgentEvent, EventSink } from '../events/agent-event.js';
import type { ExceptionKind } from '../exceptions/exception-list.js';
import { fsPathText, showPath } from '../fs-path.js';
import { deleteItem, exportItem } from '../quarantine/manage-items.js';
import { describeOrphans } from '../quarantine/orphan-report.js';
import { findOrphans } from '../quarantine/orphan-packages.js';
import { QuarantineError } from '../quarantine/quarantine-errors.js';
import type { QuarantineItem } from '../quarantine/quarantine-item.js';
import { rescanQuarantine } from '../quarantine/rescan-quarantine.js';
import { restoreMany } from '../quarantine/restore-item.js';
import { scanPackageSync } from '../quarantine/scan-package.js';
import { pickArchiveSettings } from '../scan/archive-settings.js';
import { scanTree } from '../scan/scan-tree.js';
import { sha256File } from '../scan/sha256-file.js';
import { installDefinitions } from '../updates/install-definitions.js';
import { rollbackDefinitions } from '../updates/rollback-definitions.js';
import type { UpdateContext } from '../updates/update-context.js';
import { checkForUpdates } from '../updates/update-source.js';
import type {
  DefinitionsReport, EndpointApi, ExceptionReport, ItemFailure, ItemsReport, OrphanReport, RestoreReport, RestoreRequest, ScanReport, ScanRequest, StillDetected,
} from './endpoint-api.js';
import type { EndpointStatus } from './endpoint-status.js';
import type { QuarantineContext } from './open-quarantine.js';

export interface LocalEndpointParts {
  readonly config: AgentConfig;
  readonly quarantine: QuarantineContext;
  /** The definitions in use; opened on first need by a CLI (loading a set costs time). */
  readonly updates: () => Promise<UpdateContext>;
  readonly describeStatus: () => Promise<EndpointStatus>;
  /** Events of definitions commands, collected so the caller can report warnings. */
  readonly events?: AgentEvent[];
  /** Closes what the endpoint opened (not the agent's own parts). */
  readonly close?: () => void;
}

export class LocalEndpoint implements EndpointApi {
  readonly via = 'direct' as const;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly parts: LocalEndpointParts) {}

  private get store() {
    return this.parts.quarantine.store;
  }

  /** Runs changes one after another, in the order asked. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => undefined);
    return next;
  }

  async listItems(all: boolean): Promise<QuarantineItem[]> {
    return all ? this.store.records.all() : this.store.records.held();
  }

  async orphans(): Promise<OrphanReport> {
    const found = findOrphans(this.store);
    return { count: found.length, lines: describeOrphans(found, this.store.blobDir) };
  }

  /** Items the active definitions still detect (exceptions applied): restoring them alone would not last. */
  async checkRestore(ids: readonly string[]): Promise<StillDetected[]> {
    const { engine } = (await this.parts.updates()).definitions.current();
    const exceptions = this.parts.quarantine.exceptions.matcher();
    const out: StillDetected[] = [];
    for (const id of ids) {
      const item = this.store.records.get(id);
      if (!item || item.phase !== 'complete') continue;
      let found;
      try {
        found = scanPackageSync(engine, this.store.blobPath(id), this.store.key, item, pickArchiveSettings(this.parts.config.scan));
      } catch (err) {
        if (err instanceof QuarantineError) continue; // restore reports the damaged package
        throw err;
      }
      const left = exceptions.filter(item.originalPath, found, () => item.sha256);
      if (left.length > 0) out.push({ id, path: item.originalPath, signatures: [...new Set(left.map((d) => d.signature))] });
    }
    return out;
  }

  /**
   * Restores the items in one batch. With `allow`, an item still detected gets a SHA-256
   * exception first (so the agent does not quarantine it again the moment it is back); the
   * exception is taken back if its item could not be restored.
   */
  restore(request: RestoreRequest): Promise<RestoreReport> {
    return this.serial(async () => {
      const still = await this.checkRestore(request.ids);
      const added = new Map<string, number>();
      if (request.allow) {
        for (const s of still) {
          const item = this.store.records.get(s.id)!;
          const before = this.parts.quarantine.exceptions.list().some((e) => e.kind === 'sha256' && e.value === item.sha256);
          const entry = this.parts.quarantine.exceptions.add('sha256', item.sha256);
          if (!before) added.set(s.id, entry.id);
        }
      }
      const results = await restoreMany(this.store, request.ids, {
        reason: request.allow && still.length > 0 ? 'restored and allowed by user' : 'restored by user',
        ...(request.to !== undefined && { to: request.to }),
        rename: request.rename === true,
      });
      const restored: RestoreReport['restored'][number][] = [];
      const failed: ItemFailure[] = [];
      for (const r of results) {
        if (r.ok) restored.push({ id: r.id, path: r.outcome.path, notes: r.outcome.notes });
        else {
          failed.push(failureOf(r.id, r.error));
          const exception = added.get(r.id);
          if (exception !== undefined) this.parts.quarantine.exceptions.remove(exception);
        }
      }
      const ok = new Set(restored.map((r) => r.id));
      const stillOk = still.filter((s) => ok.has(s.id));
      return {
        restored,
        failed,
        allowed: request.allow ? stillOk.map((s) => ({ id: s.id, sha256: this.store.records.get(s.id)!.sha256, signatures: s.signatures })) : [],
        stillDetected: request.allow ? [] : stillOk,
      };
    });
  }

  deleteItems(ids: readonly string[]): Promise<ItemsReport> {
    return this.serial(async () => perItem(ids, (id) => deleteItem(this.store, id, 'deleted by user').originalPath));
  }

  exportItems(ids: readonly string[], dir: string): Promise<ItemsReport> {
    return this.serial(async () => perItem(ids, (id) => exportItem(this.store, id, dir)));
  }

  /** "Allow application": an exception for each item's SHA-256, then the items it covers are restored. */
  allow(ids: readonly string[]): Promise<ExceptionReport> {
    return this.serial(async () => {
      const items = ids.map((id) => this.store.records.get(id));
      const exceptions = items.filter((i) => i !== undefined).map((i) => this.parts.quarantine.exceptions.add('sha256', i.sha256));
      return { ...(await this.restoreCovered()), exceptions, missing: ids.filter((_, n) => items[n] === undefined) };
    });
  }

  addException(kind: ExceptionKind, value: string): Promise<ExceptionReport> {
    return this.serial(async () => {
      const entry = this.parts.quarantine.exceptions.add(kind, value);
      return { ...(await this.restoreCovered()), exceptions: [entry], missing: [] };
    });
  }

  removeException(id: number): Promise<boolean> {
    return this.serial(async () => this.parts.quarantine.exceptions.remove(id));
  }

  private async restoreCovered(): Promise<Pick<ExceptionReport, 'restored' | 'kept'>> {
    const outcomes = await rescanQuarantine(this.store, { exceptions: this.parts.quarantine.exceptions.matcher(), autoRestore: this.parts.config.quarantine.autoRestore, archive: pickArchiveSettings(this.parts.config.scan) });
    return {
      restored: outcomes.filter((o) => o.result === 'restored').map((o) => ({ id: o.id, path: o.path })),
      kept: outcomes.filter((o) => o.result === 'kept').map((o) => ({ id: o.id, reason: o.reason ?? 'kept' })),
    };
  }

  /** Scans with the definitions in use and the endpoint's exceptions; reports, never quarantines. */
  async scan(request: ScanRequest): Promise<ScanReport> {
    const defs = (await this.parts.updates()).definitions.current();
    const exceptions = this.parts.quarantine.exceptions.matcher();
    const detections: ScanReport['detections'][number][] = [];
    const errors: ScanReport['errors'][number][] = [];
    const notLookedInto: ScanReport['notLookedInto'][number][] = [];
    const summary = await scanTree(defs.database, {
      paths: request.paths,
      jobs: request.jobs,
      followSymlinks: request.followSymlinks,
      exclude: request.exclude,
      maxFileSize: request.maxFileSize,
      archive: request.archive,
      ...(!exceptions.isEmpty && { filterDetections: (path, found) => exceptions.filter(fsPathText(path), found, () => sha256File(path)) }),
    }, (e) => {
      // Paths go back as text (JSON): a name that is not UTF-8 is shown escaped.
      if (e.type === 'scanned') {
        for (const d of e.detections) detections.push({ path: showPath(e.path), signature: d.signature, kind: d.kind, ...(d.offset !== undefined && { offset: d.offset }), ...(d.member !== undefined && { member: d.member }) });
        for (const n of e.notes) notLookedInto.push({ path: showPath(e.path), ...n });
      } else if (e.type === 'error') errors.push({ path: showPath(e.path), ...(e.code !== undefined && { code: e.code }), message: e.message });
    });
    return { definitions: { label: defs.label, sequence: defs.sequence, signatures: defs.signatureCount }, detections, notLookedInto, errors, summary };
  }

  install(file: string): Promise<DefinitionsReport> {
    return this.serial(async () => {
      const r = await installDefinitions(file, await this.parts.updates());
      if (!r.installed) return { ok: false, ...r, warnings: this.warnings(r.package) };
      return { ok: true, installed: true, sequence: r.sequence, created: r.created, certified: r.certified, label: r.label, signatureCount: r.signatureCount, previousSequence: r.previousSequence, packages: r.packages, warnings: this.warnings() };
    });
  }

  update(): Promise<DefinitionsReport> {
    return this.serial(async () => {
      const source = this.parts.config.definitions.source;
      if (source === null) {
        return { ok: false, result: 'no-source', reason: 'no definitions source: give --defs-source FOLDER|URL to the agent or set definitions.source in the config', warnings: [] };
      }
      const r = await checkForUpdates({ ...(await this.parts.updates()), source, proxy: this.parts.config.network.proxy });
      return { ok: r.result === 'installed' || r.result === 'up-to-date', ...r, warnings: this.warnings(r.result === 'refused' ? r.packages?.[0] : undefined) };
    });
  }

  rollback(): Promise<DefinitionsReport> {
    return this.serial(async () => {
      const r = await rollbackDefinitions(await this.parts.updates());
      if (!r.rolledBack) return { ok: false, ...r, warnings: this.warnings() };
      return { ok: true, rolledBack: true, from: r.from, sequence: r.sequence, created: r.created, certified: r.certified, label: r.label, warnings: this.warnings() };
    });
  }

  status(): Promise<EndpointStatus> {
    return this.parts.describeStatus();
  }

  async effectiveConfig(): Promise<AgentConfig> {
    const c = this.parts.config;
    return { ...c, central: { ...c.central, token: c.central.token === null ? null : '(set)' } };
  }

  /** Warnings and errors the last definitions command raised, except the refusal it reports itself. */
  private warnings(refusedPackage?: string): string[] {
    const events = this.parts.events;
    if (!events) return [];
    const out = events
      .filter((e) => e.severity !== 'info')
      .filter((e) => !(refusedPackage !== undefined && e.name === 'definitions refused' && e.data?.package === refusedPackage))
      .filter((e) => !(e.name === 'definitions rolled back' && e.data?.automatic === false))
      .map((e) => `${e.name}: ${e.message}`);
    events.length = 0;
    return out;
  }

  close(): void {
    this.parts.close?.();
  }
}

/** One call per id; a QuarantineError fails that item only. */
function perItem(ids: readonly string[], act: (id: string) => string): ItemsReport {
  const done: { id: string; path: string }[] = [];
  const failed: ItemFailure[] = [];
  for (const id of ids) {
    try {
      done.push({ id, path: act(id) });
    } catch (err) {
      if (!(err instanceof QuarantineError)) throw err;
      failed.push(failureOf(id, err));
    }
  }
  return { done, failed };
}

function failureOf(id: string, err: QuarantineError): ItemFailure {
  return { id, word: err.word, message: err.message };
}

/** An event sink that keeps what it is given (for the warnings of a command). */
export function collectEvents(): { events: AgentEvent[]; sink: EventSink } {
  const events: AgentEvent[] = [];
  return { events, sink: (e) => void events.push(e) };
}
