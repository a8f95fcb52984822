import type { Argv } from 'yargs';
import { connectEndpoint } from '../control/connect-endpoint.js';
import type { ExceptionKind } from '../exceptions/exception-list.js';
import { toYargsOptions, type OptionSpec } from '../options/option-spec.js';
import { JSON_OUTPUT_OPTION } from '../options/scan-options.js';
import { contextYargsOptions, loadCommandConfig, openQuarantine } from './agent-context.js';
import type { SetExit } from './commands.js';
import { EXIT_CLEAN, EXIT_ERROR } from './exit-codes.js';
import { renderTable } from './table.js';
import { formatLocalTime } from '../text/format-time.js';
import { writeBlock, writeLine } from '../text/terminal-lines.js';

const KINDS: readonly OptionSpec[] = [
  { key: 'cli.exception.sha256', flag: 'sha256', type: 'string', default: undefined, help: 'Allow the file with this SHA-256 wherever it is' },
  { key: 'cli.exception.path', flag: 'path', type: 'string', default: undefined, help: 'Allow this absolute path (or glob)' },
  { key: 'cli.exception.signature', flag: 'signature', type: 'string', default: undefined, help: 'Never act on this signature name' },
];

type Args = Record<string, unknown> & { json?: boolean; id?: number; sha256?: string; path?: string; signature?: string };

/**
 * `epq exceptions add|list|remove` ("allow application"). Adding one restores the quarantined
 * items it covers, as the client does when an exception policy arrives. Changes go through the
 * running agent when there is one.
 */
export function registerExceptionsCommand(parser: Argv, setExit: SetExit): void {
  parser.command('exceptions', 'Manage exceptions ("allow application")', (y) =>
    y
      .options(contextYargsOptions())
      .command('add', 'Add an exception; quarantined items it covers are restored', (c) => c.options(toYargsOptions([...KINDS, JSON_OUTPUT_OPTION])), async (argv) => {
        const a = argv as Args;
        const given = (['sha256', 'path', 'signature'] as ExceptionKind[]).filter((k) => a[k] !== undefined);
        if (given.length !== 1) throw new Error('give exactly one of --sha256 HASH, --path PATH, --signature NAME');
        const kind = given[0]!;
        const endpoint = await connectEndpoint(await loadCommandConfig(a));
        try {
          const report = await endpoint.addException(kind, String(a[kind]));
          const entry = report.exceptions[0]!;
          if (a.json) process.stdout.write(`${JSON.stringify({ exception: entry, restored: report.restored, kept: report.kept })}\n`);
          else {
            writeLine(process.stdout, `exception ${entry.id} added: ${entry.kind} ${entry.value}`);
            for (const o of report.restored) writeLine(process.stdout, `${o.id}: restored ${o.path}`);
            for (const o of report.kept) writeLine(process.stderr, `${o.id}: covered but kept: ${o.reason}`);
          }
          setExit(report.kept.length > 0 ? EXIT_ERROR : EXIT_CLEAN);
        } finally {
          endpoint.close();
        }
      })
      .command('list', 'List exceptions', (c) => c.options(toYargsOptions([JSON_OUTPUT_OPTION])), async (argv) => {
        const ctx = await openQuarantine(await loadCommandConfig(argv as Args), { kind: 'command', readOnly: true });
        try {
          const list = ctx.exceptions.list();
          if ((argv as Args).json) process.stdout.write(`${JSON.stringify(list)}\n`);
          else writeBlock(process.stdout, list.length === 0 ? 'No exceptions.' : renderTable(['ID', 'Kind', 'Value', 'Added'], list.map((e) => [String(e.id), e.kind, e.value, formatLocalTime(e.createdAt)])));
          setExit(EXIT_CLEAN);
        } finally {
          ctx.close();
        }
      })
      .command('remove <id>', 'Remove an exception', (c) => c.positional('id', { type: 'string' }), async (argv) => {
        const id = parseExceptionId(String((argv as Args).id));
        const endpoint = await connectEndpoint(await loadCommandConfig(argv as Args));
        try {
          if (!(await endpoint.removeException(id))) throw new Error(`no exception with id ${id}; \`epq exceptions list\` shows the ids`);
          writeLine(process.stdout, `exception ${id} removed`);
          setExit(EXIT_CLEAN);
        } finally {
          endpoint.close();
        }
      })
      .demandCommand(1, 'Name an exceptions command: add, list, remove'),
  );
}

/** An exception id as typed: a positive whole number. @throws Error naming the text otherwise. */
function parseExceptionId(text: string): number {
  if (!/^[1-9][0-9]{0,15}$/.test(text.trim())) throw new Error(`"${text}" is not an exception id: ids are whole numbers, as \`epq exceptions list\` shows them`);
  return Number(text.trim());
}
