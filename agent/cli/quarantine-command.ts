import type { Argv } from 'yargs';
import { deleteItem, exportItem } from '../quarantine/manage-items.js';
import { purgeQuarantine } from '../quarantine/purge.js';
import { QuarantineError } from '../quarantine/quarantine-errors.js';
import { restoreItem } from '../quarantine/restore-item.js';
import { toYargsOptions, type OptionSpec } from '../options/option-spec.js';
import { JSON_OUTPUT_OPTION } from '../options/scan-options.js';
import { contextYargsOptions, loadCommandConfig, openQuarantine, type QuarantineContext } from './agent-context.js';
import type { SetExit } from './commands.js';
import { confirm } from './confirm.js';
import { EXIT_CLEAN, EXIT_ERROR } from './exit-codes.js';
import { renderItemDetails, renderItemTable } from './quarantine-view.js';

const YES: OptionSpec = { key: 'cli.yes', flag: 'yes', alias: 'y', type: 'boolean', default: false, help: 'Do not ask "Are you sure...?"' };
const ALL: OptionSpec = { key: 'cli.all', flag: 'all', type: 'boolean', default: false, help: 'Include restored items (history)' };
const RESTORE_OPTIONS: readonly OptionSpec[] = [
  { key: 'cli.restore.to', flag: 'to', type: 'string', default: undefined, help: 'Restore into this folder instead of the original place' },
  { key: 'cli.restore.rename', flag: 'rename', type: 'boolean', default: false, help: 'If the target exists, restore beside it as NAME.restored.EXT instead of refusing' },
  YES,
];
const EXPORT_TO: OptionSpec = { key: 'cli.export.to', flag: 'to', type: 'string', default: undefined, help: 'Folder to write the decrypted copy into' };

type Args = Record<string, unknown> & { ids?: string[]; id?: string; json?: boolean; yes?: boolean; to?: string; rename?: boolean; all?: boolean };

async function withQuarantine(argv: Args, readOnly: boolean, fn: (ctx: QuarantineContext) => Promise<number>): Promise<number> {
  const config = await loadCommandConfig(argv);
  const ctx = await openQuarantine(config, { kind: 'command', readOnly });
  try {
    return await fn(ctx);
  } finally {
    ctx.close();
  }
}

/** Runs `action` per id, printing one line each; exit 2 if any failed. */
async function forEachId(ids: readonly string[], action: (id: string) => Promise<string>): Promise<number> {
  let code = EXIT_CLEAN;
  for (const id of ids) {
    try {
      process.stdout.write(`${await action(id)}\n`);
    } catch (err) {
      if (!(err instanceof QuarantineError)) throw err;
      process.stderr.write(`epq: ${id}: ${err.message}\n`);
      code = EXIT_ERROR;
    }
  }
  return code;
}

/**
 * `epq quarantine list|show|restore|delete|export|purge`: the local quarantine from the CLI.
 */
export function registerQuarantineCommand(parser: Argv, setExit: SetExit): void {
  const run = (fn: (argv: Args, ctx: QuarantineContext) => Promise<number>, readOnly = false) => async (argv: unknown) =>
    setExit(await withQuarantine(argv as Args, readOnly, (ctx) => fn(argv as Args, ctx)));
  parser.command('quarantine', 'View and manage the local quarantine', (y) =>
    y
      .options(contextYargsOptions())
      .command('list', 'List quarantined items (the guide\'s columns)', (c) => c.options(toYargsOptions([JSON_OUTPUT_OPTION, ALL])), run(async (argv, ctx) => {
        const items = argv.all ? ctx.store.records.all() : ctx.store.records.held();
        process.stdout.write(argv.json ? `${JSON.stringify(items)}\n` : `${renderItemTable(items)}\n`);
        return EXIT_CLEAN;
      }, true))
      .command('show <id>', 'Show every detail of one item', (c) => c.positional('id', { type: 'string' }).options(toYargsOptions([JSON_OUTPUT_OPTION])), run(async (argv, ctx) => {
        const item = ctx.store.records.get(String(argv.id));
        if (!item) throw new QuarantineError('missing', `no quarantined item ${String(argv.id)}`);
        process.stdout.write(argv.json ? `${JSON.stringify(item)}\n` : `${renderItemDetails(item)}\n`);
        return EXIT_CLEAN;
      }, true))
      .command('restore <ids..>', 'Restore items to where they were (or --to DIR)', (c) => c.positional('ids', { type: 'string', array: true }).options(toYargsOptions(RESTORE_OPTIONS)), run(async (argv, ctx) => {
        if (!argv.yes && !(await confirm('Are you sure you want to restore the selected files?'))) {
          process.stderr.write('Nothing restored.\n');
          return EXIT_ERROR;
        }
        return forEachId(argv.ids ?? [], async (id) => {
          const out = await restoreItem(ctx.store, id, { reason: 'restored by user', ...(argv.to !== undefined && { to: argv.to }), rename: argv.rename === true });
          return [`${id}: restored to ${out.path}`, ...out.notes.map((n) => `  ${n}`)].join('\n');
        });
      }))
      .command('delete <ids..>', 'Delete items from the quarantine for good', (c) => c.positional('ids', { type: 'string', array: true }).options(toYargsOptions([YES])), run(async (argv, ctx) => {
        if (!argv.yes && !(await confirm('Are you sure you want to delete the selected files?'))) {
          process.stderr.write('Nothing deleted.\n');
          return EXIT_ERROR;
        }
        return forEachId(argv.ids ?? [], async (id) => `${id}: deleted (${deleteItem(ctx.store, id, 'deleted by user').originalPath})`);
      }))
      .command('export <id>', 'Write a decrypted copy for analysis; the item stays in quarantine', (c) => c.positional('id', { type: 'string' }).options(toYargsOptions([EXPORT_TO])).demandOption('to'), run(async (argv, ctx) =>
        forEachId([String(argv.id)], async (id) => `${id}: exported to ${exportItem(ctx.store, id, String(argv.to))}`)))
      .command('purge', 'Apply the size and age limits now (oldest first)', (c) => c.options(toYargsOptions([JSON_OUTPUT_OPTION])), run(async (argv, ctx) => {
        const purged = purgeQuarantine(ctx.store, ctx.config.quarantine);
        if (argv.json) process.stdout.write(`${JSON.stringify(purged.map((i) => i.id))}\n`);
        else process.stdout.write(purged.length === 0 ? 'Nothing to purge: the quarantine is within its limits.\n' : `${purged.map((i) => `${i.id}: purged (${i.originalPath})`).join('\n')}\n`);
        return EXIT_CLEAN;
      }))
      .demandCommand(1, 'Name a quarantine command: list, show, restore, delete, export, purge'),
  );
}
