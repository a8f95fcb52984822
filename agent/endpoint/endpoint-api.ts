/**
 * The endpoint's use cases as data in and data out (JSON-safe, so the control socket carries them
 * unchanged). Two implementations: the endpoint itself (local-endpoint.ts, in the agent or in a
 * CLI when no agent runs) and its proxy over the agent's socket (control/remote-endpoint.ts).
 */
import type { Detection } from '../../scanner/types.js';
import type { ExceptionEntry, ExceptionKind } from '../exceptions/exception-list.js';
import type { QuarantineItem } from '../quarantine/quarantine-item.js';
import type { EndpointStatus } from './endpoint-status.js';
import type { AgentConfig } from '../config/index.js';
import type { ArchiveNote } from '../../scanner/archive/scan-archive.js';
import type { ArchiveSettings } from '../scan/archive-settings.js';

export interface ItemFailure {
  readonly id: string;
  readonly word: string;
  readonly message: string;
}

/** An item the active definitions still detect: restoring it needs an exception to last. */
export interface StillDetected {
  readonly id: string;
  readonly path: string;
  readonly signatures: readonly string[];
}

export interface RestoreRequest {
  readonly ids: readonly string[];
  readonly to?: string;
  readonly rename?: boolean;
  /** Add a SHA-256 exception for each item the active definitions still detect ("restore and allow"). */
  readonly allow: boolean;
}

export interface RestoreReport {
  readonly restored: readonly { readonly id: string; readonly path: string; readonly notes: readonly string[] }[];
  readonly failed: readonly ItemFailure[];
  /** Exceptions added for restored items still detected. */
  readonly allowed: readonly { readonly id: string; readonly sha256: string; readonly signatures: readonly string[] }[];
  /** Restored without an exception although still detected: the agent quarantines them again. */
  readonly stillDetected: readonly StillDetected[];
}

export interface ItemsReport {
  readonly done: readonly { readonly id: string; readonly path: string }[];
  readonly failed: readonly ItemFailure[];
}

export interface ExceptionReport {
  readonly exceptions: readonly ExceptionEntry[];
  readonly restored: readonly { readonly id: string; readonly path: string }[];
  readonly kept: readonly { readonly id: string; readonly reason: string }[];
  /** Ids asked for that are not in quarantine. */
  readonly missing: readonly string[];
}

export interface ScanRequest {
  readonly paths: readonly string[];
  readonly exclude: readonly string[];
  readonly maxFileSize: number;
  readonly followSymlinks: boolean;
  readonly jobs: number;
  /** Look into archives with these settings (null = no); the CLI sends its config's and flags'. */
  readonly archive: ArchiveSettings | null;
}

export interface ScanReport {
  readonly definitions: { readonly label: string; readonly sequence: number | null; readonly signatures: number };
  readonly detections: readonly { readonly path: string; readonly signature: string; readonly kind: Detection['kind']; readonly offset?: number; readonly member?: string }[];
  /** Parts not looked into (archive limits, encrypted or unsupported members). */
  readonly notLookedInto: readonly ({ readonly path: string } & ArchiveNote)[];
  readonly errors: readonly { readonly path: string; readonly code?: string; readonly message: string }[];
  readonly summary: { files: number; bytes: number; detections: number; infectedFiles: number; errors: number; skipped: number; incomplete: number; seconds: number };
}

/** What `defs install|update|rollback` report, without engines. */
export type DefinitionsReport = Readonly<Record<string, unknown>> & { readonly ok: boolean };

export interface EndpointApi {
  /** `agent` when the calls go through the running agent's socket. */
  readonly via: 'agent' | 'direct';
  listItems(all: boolean): Promise<QuarantineItem[]>;
  /** Packages in the blob folder that no record names (a lost or replaced database), with the lines that say what to do. */
  orphans(): Promise<OrphanReport>;
  checkRestore(ids: readonly string[]): Promise<StillDetected[]>;
  restore(request: RestoreRequest): Promise<RestoreReport>;
  deleteItems(ids: readonly string[]): Promise<ItemsReport>;
  exportItems(ids: readonly string[], dir: string): Promise<ItemsReport>;
  allow(ids: readonly string[]): Promise<ExceptionReport>;
  addException(kind: ExceptionKind, value: string): Promise<ExceptionReport>;
  removeException(id: number): Promise<boolean>;
  scan(request: ScanRequest): Promise<ScanReport>;
  install(file: string): Promise<DefinitionsReport>;
  update(): Promise<DefinitionsReport>;
  rollback(): Promise<DefinitionsReport>;
  status(): Promise<EndpointStatus>;
  /** The configuration in effect (the running agent's, flags included), secrets left out. */
  effectiveConfig(): Promise<AgentConfig>;
  close(): void;
}

/** Packages without a record: how many, and what to tell the user (empty when there are none). */
export interface OrphanReport {
  readonly count: number;
  readonly lines: string[];
}
