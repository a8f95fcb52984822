import { loadConfig, type AgentConfig } from '../config/index.js';
import type { AgentEvent, EventSink } from '../events/agent-event.js';
import type { Forwarder } from '../forward/forwarder.js';
import { startForwarding } from '../forward/start-forwarding.js';
import { createEventLogger, type ConsoleMode, type EventLogger } from '../logging/index.js';
import { openQuarantine, type QuarantineContext } from '../endpoint/open-quarantine.js';
import { LocalEndpoint } from '../endpoint/local-endpoint.js';
import type { EndpointStatus } from '../endpoint/endpoint-status.js';
import { startControlServer, type ControlServer } from '../control/control-server.js';
import { countForwardBacklog } from '../forward/outbox.js';
import { purgeQuarantine } from '../quarantine/purge.js';
import type { RestoreResult } from '../quarantine/restore-item.js';
import { acquireAgentLock, ensureStateDir, prepareWatchPaths, type AgentLock } from '../runtime/index.js';
import type { DefinitionsChange } from '../updates/active-definitions.js';
import { followStore, openUpdateContext, type StoreFollower, type UpdateContext } from '../updates/update-context.js';
import { startUpdatePolling, type CheckResult, type UpdatePoller } from '../updates/update-source.js';
import { showPath, type FsPath } from '../fs-path.js';
import { OnAccessScanner } from '../watch/on-access-scanner.js';
import { BurstSweeper } from '../watch/burst-sweep.js';
import { ScanQueue } from '../watch/scan-queue.js';
import { WatchedFolders } from '../watch/watched-folders.js';
import { readStatusFile, writeStatusFile } from './agent-status-file.js';
import { pickArchiveSettings } from '../scan/archive-settings.js';
import { queueChangedSince } from './catch-up-scan.js';
import { DetectionBatcher } from './detection-batcher.js';
import { createDetectionHandler } from './detection-handler.js';
import { QuarantineRescans } from './quarantine-rescans.js';
import { savePendingScans, takePendingScans } from './pending-scans.js';

/**
 * A burst: this many stable-file reports within the window (a written file costs the kernel's
 * queue about three notifications, and the default queue holds 16,384).
 */
const BURST_REPORTS = 1000;
const BURST_WINDOW_MS = 2_000;
const BURST_QUIET_MS = 1_500;


/**
 * Detections per quarantine batch (one batch at a time): big enough to share fsync rounds in a
 * storm, small enough that the first items of a storm land within seconds.
 */
const QUARANTINE_BATCH = 256;
const RETRY_FIRST_MS = 100;
const RETRY_MAX_MS = 5_000;

/** How often the protected folders are checked for having been deleted and re-created. */
const PRESENCE_EVERY_MS = 1_000;

const PURGE_EVERY_MS = 3_600_000;
const STATUS_EVERY_MS = 2_000;

/**
 * The resident agent: watches the protected folders, scans what changes, quarantines
 * detections, follows definitions updates and rescans the quarantine after each one,
 * restoring the false positives silently. `start` brings it up; `stop` finishes what is in
 * flight and releases everything.
 */
export class Agent {
  private lock: AgentLock | null = null;
  private logger: EventLogger | null = null;
  private quarantine: QuarantineContext | null = null;
  private forwarder: Forwarder | null = null;
  private updates: UpdateContext | null = null;
  private follower: StoreFollower | null = null;
  private poller: UpdatePoller | null = null;
  private folders: WatchedFolders | null = null;
  private scanner: OnAccessScanner | null = null;
  private control: ControlServer | null = null;
  private readonly queue: ScanQueue;
  private readonly bursts: BurstSweeper;
  private batcher: DetectionBatcher | null = null;
  /** Detections deferred by a stop: scanned again at the next start. */
  private readonly deferred: FsPath[] = [];
  private timers: NodeJS.Timeout[] = [];
  private readonly rescans: QuarantineRescans;
  private lastCheck: CheckResult | null = null;
  private quarantined = 0;
  private stopping = false;
  private readonly startedAt = new Date().toISOString();
  readonly events: EventSink;

  constructor(private config: AgentConfig, private readonly consoleMode: ConsoleMode, private readonly extraSink?: EventSink) {
    this.queue = new ScanQueue(config.watch.queueLimit);
    this.bursts = new BurstSweeper({ threshold: BURST_REPORTS, windowMs: BURST_WINDOW_MS, quietMs: BURST_QUIET_MS, sweep: (since, seen) => this.sweepAfterBurst(since, seen) });
    this.events = (e: AgentEvent) => {
      this.logger?.sink(e);
      this.extraSink?.(e);
    };
    this.rescans = new QuarantineRescans({
      quarantine: () => this.quarantine,
      config: () => this.config,
      events: this.events,
      aroundRestore: (restore) => this.aroundRestore(restore),
      activeSequence: () => this.updates?.definitions.current().sequence ?? null,
      stopping: () => this.stopping,
      afterRescan: () => this.publishStatus(),
    });
  }

  /**
   * @throws StateDirError, AgentLockError (another agent owns the store), LogFileError,
   *   ConfigError, DatabaseError, WatchLimitError — each naming what is wrong.
   */
  async start(): Promise<string[]> {
    const c = this.config;
    await ensureStateDir(c.stateDir);
    this.lock = await acquireAgentLock(c.stateDir);
    this.logger = createEventLogger({ file: c.log.file, level: c.log.level, maxSize: c.log.maxSize, maxFiles: c.log.maxFiles, console: this.consoleMode });
    const watch = await prepareWatchPaths(c.watch.paths);
    this.updates = await openUpdateContext({ stateDir: c.stateDir, trustedKeyFiles: c.definitions.trustedKeys, keep: c.definitions.keep, events: this.events });
    this.quarantine = await openQuarantine(c, { kind: 'owner' }, this.events);
    const store = this.quarantine.store;
    this.batcher = new DetectionBatcher({
      quarantineMany: (requests) => store.quarantineMany(requests),
      maxBatch: QUARANTINE_BATCH,
      firstDelayMs: RETRY_FIRST_MS,
      maxDelayMs: RETRY_MAX_MS,
      onRetry: (count, code, delayMs) => this.events({ name: 'quarantine failed', severity: 'warning', message: `${count} detection(s) not quarantined yet (${code}); trying again in ${delayMs} ms`, data: { count, code, delayMs, retrying: true } }),
    });
    this.scanner = new OnAccessScanner({
      queue: this.queue,
      maxFileSize: c.scan.maxFileSize,
      archive: pickArchiveSettings(c.scan),
      exclude: c.watch.exclude,
      events: this.events,
      onDetected: createDetectionHandler({
        batcher: this.batcher,
        root: c.root,
        definitions: this.updates.definitions,
        exceptions: () => this.quarantine!.exceptions.matcher(),
        events: this.events,
        onQuarantined: (id) => {
          this.quarantined++;
          this.forwarder?.enqueue(id);
        },
        onDeferred: (path) => this.deferred.push(path),
      }),
    });
    this.scanner.useDatabase(this.updates.definitions.current().database);
    this.forwarder = await startForwarding(c.central, this.quarantine.store, this.events, c.network);
    this.updates.definitions.onChange((change) => this.onDefinitionsChange(change));
    this.scanner.start();
    this.follower = followStore(this.updates);
    this.startPolling();
    this.control = await this.startControl();
    const previous = await readStatusFile(c.stateDir);
    await this.startWatcher();
    for (const path of await takePendingScans(c.stateDir)) this.queue.push(path);
    if (previous) void this.catchUp(Date.parse(previous.updatedAt));
    this.timers.push(setInterval(() => void this.purge(), PURGE_EVERY_MS), setInterval(() => void this.publishStatus(), STATUS_EVERY_MS));
    await this.publishStatus();
    const defs = this.updates.definitions.current();
    this.events({ name: 'agent started', severity: 'info', message: `epq agent started (pid ${process.pid}) with ${defs.label}`, data: { pid: process.pid, sequence: defs.sequence, watched: c.watch.paths } });
    return [
      `state folder: ${c.stateDir}`,
      `definitions: ${defs.label}`,
      ...c.watch.paths.map((p) => `protected folder: ${p}${watch.created.includes(p) ? ' (created)' : ''}${watch.missing.includes(p) ? ' (missing: not watched until it exists)' : ''}`),
      `log: ${c.log.file ?? 'none'}`,
    ];
  }

  /** The control socket: the CLI and the tray reach this agent's endpoint through it. */
  private startControl(): Promise<ControlServer> {
    const updates = this.updates!;
    const configOf = (): AgentConfig => this.config;
    const endpoint = new LocalEndpoint({
      // The config as it is now: a SIGHUP reload changes the source the endpoint updates from.
      get config() {
        return configOf();
      },
      quarantine: this.quarantine!,
      updates: async () => updates,
      describeStatus: () => this.liveStatus(),
    });
    return startControlServer({ stateDir: this.config.stateDir, endpoint });
  }

  /** What this agent really runs, for `epq status` and the tray. */
  private async liveStatus(): Promise<EndpointStatus> {
    const c = this.config;
    const defs = this.updates!.definitions.current();
    const pointer = await this.updates!.store.readPointer().catch(() => null);
    const totals = this.quarantine!.store.records.totals();
    const check = this.lastCheck;
    return {
      running: true,
      pid: process.pid,
      stateDir: c.stateDir,
      definitions: { sequence: defs.sequence, created: defs.created, certified: defs.certified, switchedAt: pointer?.sequence === defs.sequence ? pointer.switchedAt : null, builtin: defs.keyId === null },
      lastUpdateCheck: check && { at: check.checkedAt, result: check.result, ...(check.reason !== undefined && { reason: check.reason }) },
      updateSource: c.definitions.source,
      watched: c.watch.paths,
      queued: this.queue.size,
      queueLimit: c.watch.queueLimit,
      quarantine: { items: totals.count, bytes: totals.bytes, maxSize: c.quarantine.maxSize, lowSpaceRatio: c.quarantine.lowSpaceRatio },
      forwarding: { url: c.central.url, backlog: c.central.url ? countForwardBacklog(this.quarantine!.store.db) : null },
      maxAgeMs: c.definitions.maxAge,
    };
  }

  /** After a burst: files whose change notification the kernel may have dropped. */
  private async sweepAfterBurst(since: number, seen: ReadonlyMap<string, number>): Promise<void> {
    try {
      const queued = await queueChangedSince(this.config.watch.paths, this.sweepExcludes(), since, (p) => this.queue.push(p), () => this.stopping, (path, ctimeMs) => (seen.get(path) ?? -Infinity) >= ctimeMs);
      if (queued > 0) this.events({ name: 'watch error', severity: 'warning', message: `${queued} file(s) changed during a burst without a notification (the kernel drops them when its inotify queue overflows: raise fs.inotify.max_queued_events); scanning them`, data: { queued } });
    } catch (err) {
      this.events({ name: 'watch error', severity: 'error', message: `the sweep after a burst of changes failed: ${(err as Error).message}` });
    }
  }

  private sweepExcludes(): string[] {
    return [...this.config.watch.exclude, `${this.config.stateDir}/**`];
  }

  private async catchUp(since: number): Promise<void> {
    const queued = await queueChangedSince(this.config.watch.paths, this.sweepExcludes(), since, (p) => this.queue.push(p), () => this.stopping);
    if (queued > 0) this.events({ name: 'agent started', severity: 'info', message: `${queued} file(s) changed while the agent was stopped; scanning them`, data: { queued } });
  }

  private startPolling(): void {
    const source = this.config.definitions.source;
    if (!source || !this.updates) return;
    this.poller = startUpdatePolling(this.config.definitions.pollInterval, { ...this.updates, source, proxy: this.config.network.proxy }, {
      runNow: true,
      onResult: (r) => {
        this.lastCheck = r;
      },
    });
  }

  private async startWatcher(): Promise<void> {
    this.folders = new WatchedFolders({
      paths: this.config.watch.paths,
      exclude: this.config.watch.exclude,
      alwaysExcluded: [this.config.stateDir],
      stableMs: this.config.watch.stableMs,
      presenceEveryMs: PRESENCE_EVERY_MS,
      onFile: (path) => {
        this.queue.push(path);
        this.bursts.note(path);
      },
      onUnnamed: (folder) => {
        this.events({
          name: 'watch error', severity: 'warning',
          message: `a file in ${showPath(folder)} whose name is not valid UTF-8 changed; the watcher can't name it, so that folder is walked by bytes to scan it`,
          data: { folder: showPath(folder) },
        });
        this.queue.pushFolder(folder);
      },
      onError: (err) => this.events({ name: 'watch error', severity: 'error', message: err.message }),
      onFolderBack: (path) => this.events({ name: 'watch error', severity: 'warning', message: `protected folder ${path} appeared or was re-created; watching it again and scanning what is in it`, data: { path } }),
      sweep: (paths, since, skip) => queueChangedSince(paths, this.sweepExcludes(), since, (p) => this.queue.push(p), () => this.stopping, skip),
    });
    await this.folders.start();
  }

  /**
   * Restores by the agent write into the protected folders: the watcher sleeps meanwhile
   * (chokidar re-reading them cost 80-90% of a storm restore), and what the restore wrote is
   * not scanned again; anything else changed meanwhile is.
   */
  private readonly aroundRestore = (restore: () => Promise<RestoreResult[]>): Promise<RestoreResult[]> => {
    const run = async (): Promise<{ result: RestoreResult[]; wrote: string[] }> => {
      const result = await restore();
      return { result, wrote: result.flatMap((r) => (r.ok ? [r.outcome.path] : [])) };
    };
    return this.folders ? this.folders.whileWriting(run) : restore();
  };

  /** New definitions: scan with them from now on, then rescan the quarantine (one rescan at a time). */
  private onDefinitionsChange(change: DefinitionsChange): Promise<void> {
    this.scanner?.useDatabase(change.current.database);
    return this.rescans.queue(change);
  }

  /** Rescan after an exception was added from the CLI (the agent learns of it at its next rescan). */
  applyExceptions(): Promise<void> {
    return this.rescans.applyExceptions();
  }

  private async purge(): Promise<void> {
    if (this.quarantine) purgeQuarantine(this.quarantine.store, this.config.quarantine);
  }

  /** Resolves when every queued file has been scanned (tests, benchmarks). */
  whenIdle(): Promise<void> {
    return this.scanner?.whenIdle() ?? Promise.resolve();
  }

  private async publishStatus(): Promise<void> {
    const defs = this.updates?.definitions.current();
    if (!defs) return;
    await writeStatusFile(this.config.stateDir, {
      pid: process.pid,
      startedAt: this.startedAt,
      updatedAt: new Date().toISOString(),
      definitions: { sequence: defs.sequence, created: defs.created, certified: defs.certified, label: defs.label },
      watched: this.config.watch.paths,
      queued: this.queue.size,
      scanned: this.scanner?.scanned ?? 0,
      quarantined: this.quarantined,
      lastUpdateCheck: this.lastCheck && { at: this.lastCheck.checkedAt, result: this.lastCheck.result, ...(this.lastCheck.reason !== undefined && { reason: this.lastCheck.reason }) },
    }).catch(() => {});
  }

  /**
   * SIGHUP: reads the config file again and applies what can change while running (watched
   * folders, exclusions, update source and interval, quarantine limits). A bad file is an
   * event and the running config stays.
   */
  async reload(): Promise<void> {
    let next: AgentConfig;
    try {
      next = await loadConfig({ ...(this.config.configFile !== null && { file: this.config.configFile }) });
    } catch (err) {
      this.events({ name: 'config reloaded', severity: 'error', message: `config not reloaded, the running one stays: ${(err as Error).message}` });
      return;
    }
    if (next.stateDir !== this.config.stateDir || next.root !== this.config.root) {
      this.events({ name: 'config reloaded', severity: 'warning', message: 'stateDir and root changes take effect after a restart' });
    }
    this.config = { ...next, stateDir: this.config.stateDir, root: this.config.root };
    await this.folders?.close();
    await prepareWatchPaths(this.config.watch.paths);
    await this.startWatcher();
    await this.poller?.stop();
    this.startPolling();
    await this.forwarder?.stop();
    this.forwarder = this.quarantine && (await startForwarding(this.config.central, this.quarantine.store, this.events, this.config.network));
    this.events({ name: 'config reloaded', severity: 'info', message: 'configuration reloaded', data: { watched: this.config.watch.paths } });
  }

  /** SIGTERM: stop taking changes, finish files being scanned, keep the rest for next start. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.control?.close();
    for (const t of this.timers) clearInterval(t);
    await this.folders?.close();
    this.bursts.stop();
    await this.bursts.idle();
    await this.poller?.stop();
    await this.follower?.stop();
    // Detections not yet being worked are deferred (their files untouched) and kept with the
    // queued paths, so the next start scans them once: the pending list and the quarantine agree.
    const batching = this.batcher?.stop();
    await this.scanner?.stop();
    await batching;
    await this.rescans.stop();
    await this.forwarder?.stop();
    // A path in bytes (name not valid UTF-8) is not saved: the catch-up walk at the next start
    // finds it by its ctime, by bytes.
    const pending = [...this.deferred, ...this.queue.take(Number.MAX_SAFE_INTEGER)];
    await savePendingScans(this.config.stateDir, pending.filter((p): p is string => typeof p === 'string'));
    await this.publishStatus();
    this.events({ name: 'agent stopped', severity: 'info', message: `epq agent stopped (pid ${process.pid})` });
    this.quarantine?.close();
    await this.logger?.close();
    await this.lock?.release();
  }
}

