import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { EXIT_ERROR } from './exit-codes.js';
import { registerCommands } from './commands.js';
import { protectStdinOperand } from './scan-command.js';
import { applyCompletionShell } from './completion-shell.js';

/** The command line itself is wrong (unknown flag, missing argument). */
class UsageError extends Error {
  override name = 'UsageError';
}

/**
 * The one place that turns a command's result into a process exit code. Commands return the
 * code (or throw); nothing else calls process.exit.
 */
async function main(argv: string[]): Promise<number> {
  let code = 0;
  const parser = yargs(argv)
    .scriptName('epq')
    .usage('$0 <command> [options]')
    .strict()
    .demandCommand(1, 'Name a command; `epq --help` lists them.')
    .recommendCommands()
    .completion('completion', 'Print the shell completion script: epq completion bash|zsh (bash: save as /usr/share/bash-completion/completions/epq; zsh: >> ~/.zshrc)')
    .help()
    .alias('help', 'h')
    .version()
    .wrap(Math.min(110, process.stdout.columns || 100))
    .fail((msg, err) => {
      // Throwing stops yargs from running the handler after a usage error.
      // A .check() that returns its complaint passes it as `err` too: that is a usage error.
      throw err instanceof Error ? err : new UsageError(msg);
    });
  registerCommands(parser, (result) => {
    code = result;
  });
  try {
    await parser.parseAsync();
  } catch (err) {
    const hint = err instanceof UsageError ? '\nRun with --help for usage.' : '';
    process.stderr.write(`epq: ${describeError(err)}${hint}\n`);
    return EXIT_ERROR;
  }
  return code;
}

function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  let text = err.message;
  let cause = err.cause;
  while (cause instanceof Error) {
    if (!text.includes(cause.message)) text += `: ${cause.message}`;
    cause = cause.cause;
  }
  if (process.env.EPQ_DEBUG) text += `\n${err.stack ?? ''}`;
  return text;
}

process.exitCode = await main(protectStdinOperand(applyCompletionShell(hideBin(process.argv), process.env)));
