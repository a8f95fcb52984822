/**
 * The resident agent's options. Dotted keys are nesting in the JSON config file
 * (`quarantine.maxSize` is `{"quarantine": {"maxSize": "500M"}}`); the same specs give the
 * `epq agent` flags, the config validation and the options table of the README.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { TRUSTED_KEYS_OPTION } from './trusted-keys-option.js';
import type { DefaultContext, OptionSpec } from './option-spec.js';
import { SCAN_OPTIONS } from './scan-options.js';

export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The home folder: `$HOME`, else the password database's. */
export function homeFolder(env: NodeJS.ProcessEnv): string {
  return env.HOME && env.HOME !== '' ? env.HOME : homedir();
}

/**
 * `$EPQ_STATE_DIR`; else `/var/lib/epq` for root; else `$XDG_STATE_HOME/epq`, where
 * XDG_STATE_HOME defaults to `~/.local/state`.
 */
export function defaultStateDir(env: NodeJS.ProcessEnv, uid: number): string {
  if (env.EPQ_STATE_DIR) return env.EPQ_STATE_DIR;
  if (uid === 0) return '/var/lib/epq';
  const xdg = env.XDG_STATE_HOME && env.XDG_STATE_HOME.startsWith('/') ? env.XDG_STATE_HOME : join(homeFolder(env), '.local', 'state');
  return join(xdg, 'epq');
}

/** The protected folder watched when none is configured; the agent creates it if missing. */
export function defaultProtectedFolder(env: NodeJS.ProcessEnv): string {
  return join(homeFolder(env), 'epq-protected');
}

const LOG_FILE_NAME = 'epq.log';

export const AGENT_OPTIONS: readonly OptionSpec[] = [
  {
    key: 'stateDir', flag: 'state-dir', type: 'string', format: 'path', default: undefined,
    defaultFrom: ({ env, uid }: DefaultContext) => defaultStateDir(env, uid),
    defaultText: '$EPQ_STATE_DIR, else /var/lib/epq as root, else ${XDG_STATE_HOME:-~/.local/state}/epq',
    help: 'Folder of the quarantine, the definitions sets, the database and the pid file (mode 0700, one agent at a time)',
  },
  {
    key: 'root', flag: 'root', type: 'string', format: 'path', default: '/',
    help: 'Filesystem root prefix of the system paths that side effects touch (/etc/crontab, systemd units, ...); tests point it at a fake system',
  },
  ...SCAN_OPTIONS,
  {
    key: 'watch.paths', flag: 'watch', type: 'strings', format: 'path', default: undefined,
    defaultFrom: ({ env }: DefaultContext) => [defaultProtectedFolder(env)],
    defaultText: '~/epq-protected',
    help: 'Folders watched on access (repeatable); the default protected folder is created if missing',
  },
  { key: 'watch.exclude', flag: 'watch-exclude', type: 'strings', default: [], help: 'Glob of paths not to watch; without "/" it matches a name at any depth (repeatable)' },
  { key: 'watch.stableMs', type: 'duration', default: 100, help: 'A changed file is scanned once it has not changed for this long' },
  { key: 'watch.queueLimit', type: 'number', integer: true, min: 1, default: 10_000, help: 'Most changed files waiting to be scanned at once' },
  { key: 'quarantine.maxSize', type: 'size', default: 500 * 1024 ** 2, help: 'Maximum size of the quarantine; the oldest items are purged beyond it' },
  { key: 'quarantine.maxAge', type: 'duration', default: 90 * 86_400_000, help: 'Items older than this are purged; 0 = keep forever' },
  { key: 'quarantine.autoRestore', type: 'boolean', default: true, help: 'Automatically repair and restore files in quarantine silently: after each definitions update, restore what is no longer detected' },
  { key: 'quarantine.lowSpaceRatio', type: 'number', min: 0.01, max: 1, default: 0.9, help: 'Report "disk quota remaining is low" when the quarantine is this full (0.9 = 90%)' },
  { ...TRUSTED_KEYS_OPTION, format: 'path', default: [] },
  { key: 'definitions.source', flag: 'defs-source', type: 'string', format: 'path-or-url', nullable: true, default: null, help: 'LiveUpdate source of definitions packages: a folder or an http(s) URL; null = installed by hand only' },
  { key: 'definitions.pollInterval', type: 'duration', min: 1000, default: 3_600_000, help: 'How often the LiveUpdate source is checked' },
  { key: 'definitions.maxAge', type: 'duration', min: 60_000, default: 7 * 86_400_000, help: '`epq status` asks for attention when the active definitions were created longer ago than this' },
  { key: 'definitions.keep', type: 'number', integer: true, min: 1, default: 3, help: 'Definitions sets kept on disk, the active one included, for rollback' },
  { key: 'central.url', flag: 'central-url', type: 'string', format: 'url', nullable: true, default: null, help: 'Central Quarantine server that quarantined items are forwarded to; null = do not forward' },
  { key: 'central.retryInterval', type: 'duration', min: 1000, default: 60_000, help: 'Wait between attempts to reach the Central Quarantine while it is down (the backoff grows up to it)' },
  { key: 'central.statusInterval', type: 'duration', min: 1000, default: 3_600_000, help: 'How often the status of forwarded samples is queried' },
  { key: 'central.stripUserData', type: 'boolean', default: false, help: 'Strip user data from samples: leave the user fields out of forwarded packages' },
  { key: 'central.caFile', type: 'string', format: 'path', nullable: true, default: null, help: 'CA certificate (PEM) trusted for an https Central Quarantine; null = the system CAs' },
  { key: 'central.token', type: 'string', nullable: true, secret: true, default: null, help: 'Bearer token sent to the Central Quarantine; null = none' },
  {
    key: 'network.proxy', type: 'string', nullable: true, default: null,
    help: 'HTTP proxy for LiveUpdate and the forwarder (http://host:port; https goes through CONNECT); null = from HTTPS_PROXY/HTTP_PROXY and NO_PROXY; "none" = never a proxy',
  },
  {
    key: 'log.file', flag: 'log-file', type: 'string', format: 'path', nullable: true, default: undefined,
    defaultFrom: ({ values }: DefaultContext) => join(String(values.stateDir), LOG_FILE_NAME),
    defaultText: '<stateDir>/epq.log',
    help: 'Log file (JSON lines, rotated); null = no log file',
  },
  { key: 'log.level', flag: 'log-level', type: 'string', choices: LOG_LEVELS, default: 'info', help: 'Least severe events logged' },
  { key: 'log.maxSize', type: 'size', default: 10 * 1024 ** 2, help: 'The log file is rotated before it would grow past this size; 0 = never' },
  { key: 'log.maxFiles', type: 'number', integer: true, min: 1, default: 5, help: 'Log files kept, the current one included (epq.log, epq1.log, ...); 1 = the log starts over when full' },
];
