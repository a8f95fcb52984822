import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { EXIT_ERROR } from './exit-codes.js';
import { registerCommands } from './commands.js';
import { toleratePipeClose, writeBlock, writeLine } from '../text/terminal-lines.js';
import { protectStdinOperand } from './stdin-operand.js';
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
  try {
    await registerCommands(parser, (result) => {
      code = result;
    }, argv);
    await parser.parseAsync();
  } catch (err) {
    writeLine(process.stderr, `epq: ${describeError(err)}`);
    if (err instanceof UsageError) writeLine(process.stderr, 'Run with --help for usage.');
    if (process.env.EPQ_DEBUG && err instanceof Error) writeBlock(process.stderr, err.stack ?? '');
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
  return text;
}

// `epq scan DIR | head -1`: a reader that leaves stops the printing, never the work.
toleratePipeClose(process.stdout, 'standard output');
toleratePipeClose(process.stderr, 'standard error');
process.exitCode = await main(protectStdinOperand(applyCompletionShell(hideBin(process.argv), process.env)));
