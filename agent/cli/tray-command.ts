import type { Argv } from 'yargs';
import { runTray } from '../tray/run-tray.js';
import { contextYargsOptions, loadCommandConfig } from './agent-context.js';
import type { SetExit } from './commands.js';
import { EXIT_ERROR } from './exit-codes.js';

/**
 * `epq tray`: the interactive terminal view of the status and the quarantine, like the client's
 * tray menu. Refuses (exit 2) without a terminal on both stdin and stdout: it reads single keys
 * and draws a whole screen, neither of which a pipe can carry.
 */
export function registerTrayCommand(parser: Argv, setExit: SetExit): void {
  parser.command(
    'tray',
    'Interactive view of the status and the quarantine: restore, delete, export, allow, update',
    (y) => y.options(contextYargsOptions()),
    async (argv) => {
      if (!process.stdin.isTTY || !process.stdout.isTTY) {
        process.stderr.write('epq tray: needs an interactive terminal (stdin and stdout must be a TTY); ' +
          'in scripts use `epq status` and `epq quarantine list|show|restore|delete|export`\n');
        setExit(EXIT_ERROR);
        return;
      }
      const config = await loadCommandConfig(argv as Record<string, unknown>);
      setExit(await runTray(config, process.stdin, process.stdout));
    },
  );
}
