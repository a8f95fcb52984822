import type { Argv } from 'yargs';
import { deleteItem, exportItem } from '../quarantine/manage-items.js';
import { findOrphans } from '../quarantine/orphan-packages.js';
import { purgeQuarantine } from '../quarantine/purge.js';
import { rebuildRecords } from '../quarantine/rebuild-records.js';
import { recoverStore } from '../quarantine/recover.js';
import { QuarantineError } from '../quarantine/quarantine-errors.js';
import { restoreItem } from '../quarantine/restore-item.js';
import { toYargsOptions, type OptionSpec } from '../options/option-spec.js';
import { JSON_OUTPUT_OPTION } from '../options/scan-options.js';
import { contextYargsOptions, loadCommandConfig, openQuarantine, type QuarantineContext } from './agent-context.js';
import type { SetExit } from './commands.js';
import { startBatchCount } from './batch-count.js';
import { confirm } from './confirm.js';
import { describeOrphans, describeRebuild } from './orphan-report.js';
import { EXIT_CLEAN, EXIT_ERROR } from './exit-codes.js';
import { renderItemDetails, renderItemTable } from './quarantine-view.js';
import { writeBlock, writeLine, writeLines } from '../text/terminal-lines.js';

const YES: OptionSpec = { key: 'cli.yes', flag: 'yes', alias: 'y', type: 'boolean', default: false, help: 'Do not ask "Are you sure...?"' };
const ALL: OptionSpec = { key: 'cli.all', flag: 'all', type: 'boolean', default: false, help: 'Include restored items (history)' };
const RESTORE_OPTIONS: readonly OptionSpec[] = [
  { key: 'cli.restore.to', flag: 'to', type: 'string', default: undefined, help: 'Restore into this folder instead of the original place' },
  { key: 'cli.restore.rename', flag: 'rename', type: 'boolean', default: false, help: 'If the target exists, restore beside it as NAME.restored.EXT instead of refusing' },
  YES,
];
const EXPORT_TO: OptionSpec = { key: 'cli.export.to', flag: 'to', type: 'string', default: undefined, help: 'Folder to write the decrypted copy into' };

type Args = Record<string, unknown> & { ids?: string[]; id?: string; json?: boolean; yes?: boolean; to?: string; rename?: boolean; all?: boolean };

async function withQuarantine(argv: Args, fn: (ctx: QuarantineContext) => Promise<number>, readOnly: boolean): Promise<number> {
  const config = await loadCommandConfig(argv);
  const ctx = await openQuarantine(config, undefined, { readOnly });
  try {
    return await fn(ctx);
  } finally {
    ctx.close();
  }
}

/** Runs `action` per id, printing its line (or lines, each escaped); exit 2 if any failed. */
async function forEachId(ids: readonly string[], action: (id: string) => Promise<string | string[]>, verb = 'Working on'): Promise<number> {
  let code = EXIT_CLEAN;
  const count = startBatchCount(verb, ids.length);
  for (const [done, id] of ids.entries()) {
    count.show(done);
    try {
      const lines = [await action(id)].flat();
      count.clear();
      writeLines(process.stdout, lines);
    } catch (err) {
      if (!(err instanceof QuarantineError)) throw err;
      count.clear();
      writeLine(process.stderr, `epq: ${id}: ${err.message}`);
      code = EXIT_ERROR;
    }
  }
  count.clear();
  return code;
}

/**
 * `epq quarantine list|show|restore|delete|export|purge|rebuild`: the local quarantine from the CLI.
 */
export function registerQuarantineCommand(parser: Argv, setExit: SetExit): void {
  const run = (fn: (argv: Args, ctx: QuarantineContext) => Promise<number>, readOnly = false) => async (argv: unknown) =>
    setExit(await withQuarantine(argv as Args, (ctx) => fn(argv as Args, ctx), readOnly));
  parser.command('quarantine', 'View and manage the local quarantine', (y) =>
    y
      .options(contextYargsOptions())
      .command('list', 'List quarantined items (the guide\'s columns)', (c) => c.options(toYargsOptions([JSON_OUTPUT_OPTION, ALL])), run(async (argv, ctx) => {
        const items = argv.all ? ctx.store.records.all() : ctx.store.records.held();
        const orphans = describeOrphans(findOrphans(ctx.store), ctx.store.blobDir);
        if (argv.json) process.stdout.write(`${JSON.stringify(items)}\n`);
        // "empty" would be a lie while packages sit there without records.
        else if (items.length > 0 || orphans.length === 0) writeBlock(process.stdout, renderItemTable(items));
        writeLines(process.stderr, orphans);
        return orphans.length > 0 ? EXIT_ERROR : EXIT_CLEAN;
      }, true))
      .command('show <id>', 'Show every detail of one item', (c) => c.positional('id', { type: 'string' }).options(toYargsOptions([JSON_OUTPUT_OPTION])), run(async (argv, ctx) => {
        const item = ctx.store.records.get(String(argv.id));
        if (!item) throw new QuarantineError('missing', `no quarantined item ${String(argv.id)}`);
        if (argv.json) process.stdout.write(`${JSON.stringify(item)}\n`);
        else writeBlock(process.stdout, renderItemDetails(item));
        return EXIT_CLEAN;
      }, true))
      .command('restore <ids..>', 'Restore items to where they were (or --to DIR)', (c) => c.positional('ids', { type: 'string', array: true }).options(toYargsOptions(RESTORE_OPTIONS)), run(async (argv, ctx) => {
        if (!argv.yes && !(await confirm('Are you sure you want to restore the selected files?'))) {
          process.stderr.write('Nothing restored.\n');
          return EXIT_ERROR;
        }
        return forEachId(argv.ids ?? [], async (id) => {
          const out = await restoreItem(ctx.store, id, { reason: 'restored by user', ...(argv.to !== undefined && { to: argv.to }), rename: argv.rename === true });
          return [`${id}: restored to ${out.path}`, ...out.notes.map((n) => `  ${n}`)];
        }, 'Restoring');
      }))
      .command('delete <ids..>', 'Delete items from the quarantine for good', (c) => c.positional('ids', { type: 'string', array: true }).options(toYargsOptions([YES])), run(async (argv, ctx) => {
        if (!argv.yes && !(await confirm('Are you sure you want to delete the selected files?'))) {
          process.stderr.write('Nothing deleted.\n');
          return EXIT_ERROR;
        }
        return forEachId(argv.ids ?? [], async (id) => `${id}: deleted (${deleteItem(ctx.store, id, 'deleted by user').originalPath})`, 'Deleting');
      }))
      .command('export <id>', 'Write a decrypted copy for analysis; the item stays in quarantine', (c) => c.positional('id', { type: 'string' }).options(toYargsOptions([EXPORT_TO])).demandOption('to'), run(async (argv, ctx) =>
        forEachId([String(argv.id)], async (id) => `${id}: exported to ${exportItem(ctx.store, id, String(argv.to))}`)))
.command('rebuild', 'Rebuild the quarantine records from the packages (after the database was lost or damaged)', (c) => c.options(toYargsOptions([JSON_OUTPUT_OPTION]))
        .epilog('Each package in the blob folder that no record names is authenticated with the quarantine key and its record written from the '
          + 'metadata inside it. A damaged database is first renamed aside (never deleted). Packages written by an older epq (no metadata inside) '
          + 'and unreadable ones are listed and left in place. Exit 0 when every package has a record, 2 otherwise.'),
      async (argv) => {
        const args = argv as Args;
        const setAside: string[] = [];
        const ctx = await openQuarantine(await loadCommandConfig(args), undefined, { setAsideDamaged: (moved) => setAside.push(...moved) });
        try {
          const report = rebuildRecords(ctx.store);
          // Items whose original was still in place are `stored`: recovery finishes moving them in.
          await recoverStore(ctx.store);
          const lines = describeRebuild(report, setAside);
          process.stdout.write(args.json ? `${JSON.stringify({ setAside, rebuilt: report.rebuilt.map((i) => i.id), oldFormat: report.oldFormat.map((o) => o.fileName), unreadable: report.unreadable.map((u) => ({ file: u.orphan.fileName, reason: u.reason })) })}\n` : `${lines.join('\n')}\n`);
          setExit(report.oldFormat.length + report.unreadable.length > 0 ? EXIT_ERROR : EXIT_CLEAN);
        } finally {
          ctx.close();
        }
      })
      .command('purge', 'Apply the size and age limits now (oldest first)', (c) => c.options(toYargsOptions([JSON_OUTPUT_OPTION])), run(async (argv, ctx) => {
        const purged = purgeQuarantine(ctx.store, ctx.config.quarantine);
        if (argv.json) process.stdout.write(`${JSON.stringify(purged.map((i) => i.id))}\n`);
        else writeLines(process.stdout, purged.length === 0 ? ['Nothing to purge: the quarantine is within its limits.'] : purged.map((i) => `${i.id}: purged (${i.originalPath})`));
        return EXIT_CLEAN;
      }))
      .demandCommand(1, 'Name a quarantine command: list, show, restore, delete, export, purge, rebuild'),
  );
}
