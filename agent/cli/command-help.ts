import yargs, { type Argv } from 'yargs';
import { registerAllCommands } from './commands.js';

/** One command's name and its `--help` text, as yargs prints it from the option tables. */
export interface CommandHelp {
  readonly path: readonly string[];
  readonly text: string;
}

const HELP_WIDTH = 78;

async function makeParser(): Promise<Argv> {
  const parser = yargs()
    .scriptName('epq')
    .usage('$0 <command> [options]')
    // Not strict: yargs' strict mode does not know its own completion command when it only prints help.
    .help()
    .version()
    .completion('completion', 'Print the shell completion script: epq completion bash|zsh')
    .wrap(HELP_WIDTH)
    .fail((msg, err) => {
      throw err ?? new Error(msg);
    });
  await registerAllCommands(parser, () => {});
  return parser;
}

/** `epq PATH... --help`, captured rather than printed (a fresh parser each time). */
async function helpOf(path: readonly string[]): Promise<string> {
  const parser = await makeParser();
  return new Promise((resolve, reject) => {
    parser.parse([...path, '--help'], {}, (err: Error | undefined, _argv: unknown, output: string) => (err ? reject(err) : resolve(output)));
  });
}

/** The command names of a help text's "Commands:" block (`epq quarantine list ...` gives `list`). */
function subcommandsIn(text: string, path: readonly string[]): string[] {
  const block = /\nCommands:\n([\s\S]*?)(?:\n\n|$)/.exec(text)?.[1] ?? '';
  const prefix = ['epq', ...path].join(' ');
  const names: string[] = [];
  for (const line of block.split('\n')) {
    const m = /^ {2}(\S.*?)(?: {2,}|$)/.exec(line);
    if (!m || !m[1]!.startsWith(`${prefix} `)) continue;
    const name = m[1]!.slice(prefix.length + 1).split(' ')[0]!;
    if (/^[a-z][a-z-]*$/.test(name) && !names.includes(name)) names.push(name);
  }
  return names;
}

/**
 * Every command and subcommand of `epq` with its help text, top level first, in the order
 * yargs lists them.
 * @throws Error if yargs rejects a help request (a broken command definition).
 */
export async function collectCommandHelp(): Promise<CommandHelp[]> {
  const out: CommandHelp[] = [];
  const visit = async (path: readonly string[]): Promise<void> => {
    const text = await helpOf(path);
    out.push({ path, text });
    if (path.length >= 2) return;
    for (const name of subcommandsIn(text, path)) await visit([...path, name]);
  };
  await visit([]);
  return out;
}
