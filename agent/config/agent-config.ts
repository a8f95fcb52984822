import type { ArchiveOptionValues } from '../scan/archive-settings.js';
import type { LogLevel } from '../options/agent-options.js';

/**
 * The agent's configuration once loaded: nested like the config file's keys, every default
 * applied, paths absolute, sizes in bytes, durations in milliseconds, deeply frozen.
 * `AGENT_OPTIONS` documents each field.
 */
export interface AgentConfig {
  /** The config file it was read from (absolute), or null for built-in defaults. Not a key. */
  readonly configFile: string | null;
  readonly stateDir: string;
  readonly root: string;
  /** The archive limits are the fields `pickArchiveSettings` reads, so one type names them. */
  readonly scan: ArchiveOptionValues & {
    readonly exclude: readonly string[];
    readonly maxFileSize: number;
    readonly followSymlinks: boolean;
    readonly jobs: number;
  };
  readonly watch: {
    readonly paths: readonly string[];
    readonly exclude: readonly string[];
    readonly stableMs: number;
    readonly queueLimit: number;
  };
  readonly quarantine: {
    readonly maxSize: number;
    /** 0 = keep forever. */
    readonly maxAge: number;
    readonly autoRestore: boolean;
    readonly lowSpaceRatio: number;
  };
  readonly definitions: {
    readonly trustedKeys: readonly string[];
    /** A folder (absolute) or an http(s) URL; null = updates are installed by hand. */
    readonly source: string | null;
    readonly pollInterval: number;
    readonly maxAge: number;
    readonly keep: number;
  };
  readonly central: {
    readonly url: string | null;
    readonly retryInterval: number;
    readonly statusInterval: number;
    readonly stripUserData: boolean;
    readonly caFile: string | null;
    readonly token: string | null;
  };
  readonly network: {
    /** null = from HTTP(S)_PROXY / NO_PROXY; "none" = never a proxy; else an http:// proxy URL. */
    readonly proxy: string | null;
  };
  readonly log: {
    readonly file: string | null;
    readonly level: LogLevel;
    /** 0 = never rotate. */
    readonly maxSize: number;
    readonly maxFiles: number;
  };
}
