import type { Argv } from 'yargs';

/** Each command reports its exit code through `setExit`; the entry point owns the process. */
export type SetExit = (code: number) => void;

type Register = (parser: Argv, setExit: SetExit) => void;

interface CommandEntry {
  /** The word on the command line. */
  readonly name: string;
  /** For `epq --help` and "did you mean"; the command's own registration says it again in full. */
  readonly usage: string;
  readonly describe: string;
  readonly load: () => Promise<Register>;
}

/**
 * Every command, loaded only when it runs: `epq --version`, `epq --help` and a scan through the
 * agent's socket don't pay for importing the others (the engine, the daemon, the server).
 */
const COMMANDS: readonly CommandEntry[] = [
  { name: 'scan', usage: 'scan [paths..]', describe: 'Scan files and folders for threats (`-` reads standard input)', load: async () => (await import('./scan-command.js')).registerScanCommand },
  { name: 'agent', usage: 'agent', describe: 'Run the resident agent: on-access scanning, quarantine, definitions updates', load: async () => (await import('./agent-command.js')).registerAgentCommand },
  { name: 'status', usage: 'status', describe: 'Show the agent\'s state and a health verdict (exit 0 healthy, 1 attention, 2 cannot tell)', load: async () => (await import('./status-command.js')).registerStatusCommand },
  { name: 'quarantine', usage: 'quarantine', describe: 'View and manage the local quarantine', load: async () => (await import('./quarantine-command.js')).registerQuarantineCommand },
  { name: 'exceptions', usage: 'exceptions', describe: 'Manage exceptions ("allow application")', load: async () => (await import('./exceptions-command.js')).registerExceptionsCommand },
  { name: 'defs', usage: 'defs', describe: 'Definitions: build and sign packages; install, update, roll back and list the agent\'s sets', load: async () => (await import('./defs-command.js')).registerDefsCommand },
  { name: 'central', usage: 'central', describe: 'The Central Quarantine: run the reference server, list its samples, resend refused items', load: async () => (await import('./central-command.js')).registerCentralCommand },
  { name: 'demo', usage: 'demo', describe: 'Make harmless test files to try epq with', load: async () => (await import('./demo-command.js')).registerDemoCommand },
  { name: 'tray', usage: 'tray', describe: 'Interactive view of the status and the quarantine: restore, delete, export, allow, update', load: async () => (await import('./tray-command.js')).registerTrayCommand },
];

/**
 * Registers the command named on the command line in full and the others by name only (enough
 * for the help listing and for yargs to tell an unknown command).
 */
export async function registerCommands(parser: Argv, setExit: SetExit, argv: readonly string[]): Promise<void> {
  // The first word that names a command (an option's value before it can't be mistaken for one).
  const named = argv.find((a) => COMMANDS.some((c) => c.name === a));
  for (const entry of COMMANDS) {
    if (entry.name === named) (await entry.load())(parser, setExit);
    else parser.command(entry.usage, entry.describe);
  }
}

/** Every command in full (the man page and the completion need them all). */
export async function registerAllCommands(parser: Argv, setExit: SetExit): Promise<void> {
  for (const entry of COMMANDS) (await entry.load())(parser, setExit);
}
