import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Argv } from 'yargs';
import { startCentralServer } from '../../central/central-server.js';
import { formatAgeShort } from '../../central/console/format-age.js';
import { fetchSamples } from '../../central/fetch-samples.js';
import { loadCentralDefinitions } from '../../central/load-central-definitions.js';
import type { ServerLimits } from '../../central/server-limits.js';
import type { CentralSample } from '../../central/wire-format.js';
import { Outbox } from '../forward/outbox.js';
import { SERVER_LIMIT_OPTIONS, toServerLimits, type ServerLimitArgs } from '../options/central-server-options.js';
import { toYargsOptions, type OptionSpec } from '../options/option-spec.js';
import { JSON_OUTPUT_OPTION, SCAN_SOURCE_OPTIONS } from '../options/scan-options.js';
import { formatBytes } from '../scan/format.js';
import { openDatabase } from '../store/open-database.js';
import { contextYargsOptions, loadCommandConfig } from './agent-context.js';
import type { SetExit } from './commands.js';
import { TRUSTED_KEYS_OPTION } from './defs-options.js';
import { EXIT_CLEAN, EXIT_ERROR } from './exit-codes.js';
import { formatLocalTime } from '../text/format-time.js';
import { writeBlock, writeLine, writeLines } from '../text/terminal-lines.js';
import { renderTable } from './table.js';

/** The guide's default maximum disk space for the Quarantine Server. */
const DEFAULT_MAX_SIZE = 500 * 1024 ** 2;
const TOKEN_ENV = 'EPQ_CENTRAL_TOKEN';
const CONSOLE_PASSWORD_ENV = 'EPQ_CONSOLE_PASSWORD';

const TOKEN: OptionSpec = { key: 'central.token', flag: 'token', type: 'string', default: undefined, help: `Bearer token; default $${TOKEN_ENV} (which keeps it out of the process list)` };
const SERVE_OPTIONS: readonly OptionSpec[] = [
  { key: 'serve.listen', flag: 'listen', type: 'string', default: '127.0.0.1:8443', help: 'Address and port to listen on: HOST:PORT, [IPv6]:PORT, :PORT (every interface) or PORT (127.0.0.1); port 0 = any free port' },
  { key: 'serve.data', flag: 'data', type: 'string', default: undefined, help: 'Data folder: database, encrypted samples, key (created if missing)' },
  { key: 'serve.tlsCert', flag: 'tls-cert', type: 'string', default: undefined, help: 'Certificate (PEM) for https; needs --tls-key' },
  { key: 'serve.tlsKey', flag: 'tls-key', type: 'string', default: undefined, help: 'Private key (PEM) of --tls-cert' },
  { ...TOKEN, help: `Require this bearer token from every client; default $${TOKEN_ENV}, else none` },
  { key: 'serve.maxSize', flag: 'max-size', type: 'size', default: DEFAULT_MAX_SIZE, defaultText: '500M (the guide\'s default)', help: 'Maximum size of the stored samples (e.g. 2G); a full store declines samples (HTTP 507)' },
  ...SCAN_SOURCE_OPTIONS.map((o) => ({ ...o, help: o.help.replace('Scan', 'Scan samples') })),
  { ...TRUSTED_KEYS_OPTION, default: undefined },
  { key: 'serve.consolePassword', flag: 'console-password', type: 'string', default: undefined, help: `Password that signs administrators in to the web console at /console; default $${CONSOLE_PASSWORD_ENV}, else the --token; with neither, the console is off` },
  { key: 'serve.consoleRefresh', flag: 'console-refresh', type: 'duration', min: 0, default: 30_000, defaultText: '30s', help: 'How often the console\'s items view refreshes itself, until one is saved in the console (0 = never)' },
  { key: 'serve.quiet', flag: 'quiet', type: 'boolean', default: false, help: 'Do not print a line per sample' },
  ...SERVER_LIMIT_OPTIONS,
];
const LIST_OPTIONS: readonly OptionSpec[] = [
  { key: 'list.url', flag: 'url', type: 'string', format: 'url', default: undefined, help: 'The Central Quarantine, e.g. https://cq.example:8443' },
  TOKEN,
  { key: 'list.caFile', flag: 'ca-file', type: 'string', default: undefined, help: 'CA certificate (PEM) trusted for https; default the system CAs' },
  JSON_OUTPUT_OPTION,
];

/** `epq central` was given flags it can't work with; names the flag. */
export class CentralCommandError extends Error {
  constructor(readonly flag: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CentralCommandError';
  }
}

type ServeArgs = ServerLimitArgs & { listen: string; data?: string; tlsCert?: string; tlsKey?: string; token?: string; consolePassword?: string; consoleRefresh: number; maxSize: number; defs?: string; clamavDb?: string; pub?: string[]; quiet?: boolean };

/**
 * Reads `--listen`: `HOST:PORT`, `[IPv6]:PORT`, `:PORT` (every interface) or a bare `PORT`
 * (127.0.0.1 only, the safe default).
 * @throws CentralCommandError naming the value when it is not one of those.
 */
export function parseListen(value: string): { host: string; port: number } {
  const text = value.trim();
  const m = /^(\d+)$/.exec(text) ?? /^\[([^\]]+)\]:(\d+)$/.exec(text) ?? /^([^:[\]]*):(\d+)$/.exec(text);
  const port = m ? Number(m[m.length - 1]) : NaN;
  if (!m || !(port <= 65535)) throw new CentralCommandError('--listen', `--listen ${JSON.stringify(value)}: expected HOST:PORT, [IPv6]:PORT, :PORT or PORT`);
  if (m.length === 2) return { host: '127.0.0.1', port };
  return { host: m[1] === '' ? '0.0.0.0' : m[1]!, port };
}

function readPem(flag: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new CentralCommandError(flag, `${flag} ${path}: can't read it (${(err as Error).message})`, { cause: err });
  }
}

async function serve(argv: ServeArgs): Promise<number> {
  if (!argv.data) throw new CentralCommandError('--data', '--data DIR is required: the folder where the Central Quarantine keeps its samples');
  if ((argv.tlsCert === undefined) !== (argv.tlsKey === undefined)) throw new CentralCommandError('--tls-cert', '--tls-cert and --tls-key go together');
  const listen = parseListen(argv.listen);
  const definitions = await loadCentralDefinitions({
    ...(argv.defs !== undefined && { defsFile: argv.defs }),
    ...(argv.clamavDb !== undefined && { clamavDbDir: argv.clamavDb }),
    trustedKeyFiles: argv.pub ?? [],
  });
  const tls = argv.tlsCert !== undefined ? { cert: readPem('--tls-cert', argv.tlsCert), key: readPem('--tls-key', argv.tlsKey!) } : null;
  const token = argv.token ?? process.env[TOKEN_ENV] ?? null;
  const log = argv.quiet ? () => {} : (line: string) => writeLine(process.stdout, `${formatLocalTime(new Date())} ${line}`);
  if (argv.consolePassword === '') throw new CentralCommandError('--console-password', '--console-password can\'t be empty: an empty password would let anyone sign in');
  // An empty variable or token counts as unset, never as an empty password.
  const consolePassword = argv.consolePassword || process.env[CONSOLE_PASSWORD_ENV] || token || null;
  const consoleOpts = { password: consolePassword, refreshSec: Math.round(argv.consoleRefresh / 1000) };
  const server = await startCentralServer({ ...listen, dataDir: resolve(argv.data), maxBytes: argv.maxSize, tls, token, definitions, log, limits: toServerLimits(argv), console: consoleOpts });
  const usage = server.central.records.usage();
  writeLines(process.stdout, [
    `epq central: listening on ${server.url}`,
    `  data:        ${resolve(argv.data)} (${usage.count} sample(s), ${formatBytes(usage.bytes)} of ${formatBytes(argv.maxSize)})`,
    `  definitions: ${definitions.label}`,
    `  access:      ${token === null ? 'open (no token)' : 'bearer token required'}${tls ? ', TLS' : ', plain http'}`,
    `  limits:      ${describeLimits(server.limits)}`,
    `  console:     ${consolePassword === null ? `off (set --console-password or $${CONSOLE_PASSWORD_ENV})` : `${server.url}/console (sign in with the ${argv.consolePassword || process.env[CONSOLE_PASSWORD_ENV] ? 'console password' : 'token'})`}`,
    ...(server.cleaned.orphans + server.cleaned.missing > 0 ? [`  recovered:   ${server.cleaned.orphans} orphan blob(s) removed, ${server.cleaned.missing} record(s) without a blob dropped`] : []),
    'Press Ctrl+C (or send SIGTERM) to stop.',
  ]);
  void server.reanalysis.then((r) => {
    if (r.scanned + r.failed === 0 && !r.interrupted) return;
    const outcome = `${r.scanned} sample(s) analysed again with definitions ${r.sequence}: ${r.changed} changed, ${r.failed} failed`;
    log(r.interrupted ? `reanalysis stopped early (the server is stopping): ${outcome}; the rest at the next start` : `reanalysis done: ${outcome}`);
  });
  await new Promise<void>((done) => {
    const stop = (): void => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      process.stdout.write('epq central: stopping (finishing uploads in progress)\n');
      void server.close().then(done);
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
  process.stdout.write('epq central: stopped\n');
  return EXIT_CLEAN;
}

function describeLimits(l: ServerLimits): string {
  const sec = (ms: number): string => `${ms / 1000}s`;
  return `headers ${sec(l.headersTimeoutMs)}, idle ${sec(l.idleTimeoutMs)}, request ${sec(l.requestTimeoutMs)}, uploads ${l.maxUploadsPerClient} per client / ${l.maxUploads} in all, JSON ${formatBytes(l.maxJsonBytes)}, connections ${l.maxConnections}`;
}

/** "3d 4h", "5m": how long ago a sample was quarantined (the guide's Age column), as the console shows it. Never throws. */
export const formatAge = formatAgeShort;

/** The guide's Central Quarantine columns (Table 3-1), plus the id. */
function renderSamples(samples: readonly CentralSample[]): string {
  if (samples.length === 0) return 'The Central Quarantine holds no samples.';
  return renderTable(
    ['ID', 'File name', 'User', 'Computer', 'Analyzed', 'Age', 'State', 'Status', 'Virus', 'Defs needed', 'Errors'],
    samples.map((s) => [
      s.id, s.fileName, s.user ?? '-', s.computer, s.dateAnalyzed ? 'yes' : 'no', formatAge(s.dateQuarantined), s.state, s.status, s.virus,
      s.definitionsNeeded === null ? '-' : String(s.definitionsNeeded), s.errors.map((e) => e.word).join(',') || '-',
    ]),
  );
}

async function list(argv: { url?: string; token?: string; caFile?: string; json?: boolean }): Promise<number> {
  if (!argv.url) throw new CentralCommandError('--url', '--url URL is required: the Central Quarantine to list, e.g. http://127.0.0.1:8443');
  const samples = await fetchSamples(argv.url, { token: argv.token ?? process.env[TOKEN_ENV] ?? null, ca: argv.caFile ? readPem('--ca-file', argv.caFile) : null });
  if (argv.json) process.stdout.write(`${JSON.stringify(samples)}\n`);
  else writeBlock(process.stdout, renderSamples(samples));
  return EXIT_CLEAN;
}

/** Puts refused items back in this agent's outbox; the agent sends them within a retry interval. */
async function resend(argv: Record<string, unknown> & { ids?: string[]; refused?: boolean }): Promise<number> {
  const config = await loadCommandConfig(argv);
  const db = openDatabase(resolve(config.stateDir, 'agent.db'));
  try {
    const outbox = new Outbox(db);
    const ids = argv.refused ? outbox.refusedIds() : argv.ids ?? [];
    if (ids.length === 0) throw new CentralCommandError('ids', 'name item ids, or --refused for every refused item');
    const n = outbox.requeue(ids, Date.now());
    process.stdout.write(`${n} item(s) queued to be forwarded again${n < ids.length ? `; ${ids.length - n} not in the outbox` : ''}\n`);
    return n < ids.length ? EXIT_ERROR : EXIT_CLEAN;
  } finally {
    db.close();
  }
}

/** `epq central serve|list|resend`: the reference Central Quarantine and its clients. */
export function registerCentralCommand(parser: Argv, setExit: SetExit): void {
  parser.command('central', 'The Central Quarantine: run the reference server, list its samples, resend refused items', (y) =>
    y
      .command('serve', 'Run the reference Central Quarantine server in the foreground', (c) => c.options(toYargsOptions(SERVE_OPTIONS)), async (argv) => setExit(await serve(argv as unknown as ServeArgs)))
      .command('list', 'List the samples a Central Quarantine holds (the guide\'s columns)', (c) => c.options(toYargsOptions(LIST_OPTIONS, { defaults: false })), async (argv) => setExit(await list(argv as never)))
      .command('resend [ids..]', 'Queue items the Central Quarantine refused to be forwarded again', (c) =>
        c.positional('ids', { type: 'string', array: true }).options({ refused: { type: 'boolean', describe: 'Every item in the outbox that was refused' } }).options(contextYargsOptions()),
      async (argv) => setExit(await resend(argv as never)))
      .demandCommand(1, 'Name a subcommand: serve, list or resend.'));
}
