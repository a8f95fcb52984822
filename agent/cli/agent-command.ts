import type { Argv } from 'yargs';
import { AGENT_OPTIONS } from '../options/agent-options.js';
import { toYargsOptions } from '../options/option-spec.js';
import { CONFIG_FILE_OPTION, loadCommandConfig } from './agent-context.js';
import type { SetExit } from './commands.js';
import { writeLine } from '../text/terminal-lines.js';
import { EXIT_CLEAN } from './exit-codes.js';

/**
 * `epq agent`: the resident agent in the foreground (systemd style). SIGTERM/SIGINT finish
 * what is in flight and exit 0; SIGHUP reloads the config file.
 */
export function registerAgentCommand(parser: Argv, setExit: SetExit): void {
  parser.command(
    'agent',
    'Run the resident agent: on-access scanning, quarantine, definitions updates',
    (y) => y.options(toYargsOptions([CONFIG_FILE_OPTION, ...AGENT_OPTIONS], { defaults: false })),
    async (argv) => {
      // The daemon (winston, chokidar) loads only for this command, not for every CLI call.
      const [{ Agent }, { detectConsoleMode }] = await Promise.all([import('../daemon/run-agent.js'), import('../logging/index.js')]);
      const config = await loadCommandConfig(argv, AGENT_OPTIONS);
      const agent = new Agent(config, detectConsoleMode());
      const lines = await agent.start();
      for (const line of lines) writeLine(process.stdout, `epq: ${line}`);
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          process.off('SIGTERM', stop);
          process.off('SIGINT', stop);
          process.off('SIGHUP', reload);
          void agent.stop().then(resolve);
        };
        const reload = (): void => void agent.reload();
        process.on('SIGTERM', stop);
        process.on('SIGINT', stop);
        process.on('SIGHUP', reload);
      });
      setExit(EXIT_CLEAN);
    },
  );
}
