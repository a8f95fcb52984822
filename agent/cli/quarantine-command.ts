import { resolve } from 'node:path';
import type { Argv } from 'yargs';
import { connectEndpoint } from '../control/connect-endpoint.js';
import type { EndpointApi, ItemFailure } from '../endpoint/endpoint-api.js';
import { purgeQuarantine } from '../quarantine/purge.js';
import { QuarantineError } from '../quarantine/quarantine-errors.js';
import { toYargsOptions, type OptionSpec } from '../options/option-spec.js';
import { JSON_OUTPUT_OPTION } from '../options/scan-options.js';
import { describeRebuild } from '../quarantine/orphan-report.js';
import { rebuildRecords } from '../quarantine/rebuild-records.js';
import { recoverStore } from '../quarantine/recover.js';
import { writeBlock, writeLine, writeLines } from '../text/terminal-lines.js';
import { contextYargsOptions, loadCommandConfig, openQuarantine } from './agent-context.js';
import { startBatchCount } from './batch-count.js';
import type { SetExit } from './commands.js';
import { confirm } from './confirm.js';
import { EXIT_CLEAN, EXIT_ERROR } from './exit-codes.js';
import { renderItemDetails, renderItemTable } from './quarantine-view.js';

const YES: OptionSpec = { key: 'cli.yes', flag: 'yes', alias: 'y', type: 'boolean', default: false, help: 'Do not ask "Are you sure...?"' };
const ALL: OptionSpec = { key: 'cli.all', flag: 'all', type: 'boolean', default: false, help: 'Include restored items (history)' };
const RESTORE_OPTIONS: readonly OptionSpec[] = [
  { key: 'cli.restore.to', flag: 'to', type: 'string', default: undefined, help: 'Restore into this folder instead of the original place' },
  { key: 'cli.restore.rename', flag: 'rename', type: 'boolean', default: false, help: 'If the target exists, restore beside it as NAME.restored.EXT instead of refusing' },
  { key: 'cli.restore.allow', flag: 'allow', type: 'boolean', default: true, help: 'Add an exception for the SHA-256 of an item the active definitions still detect, so that it is not quarantined again (--no-allow: restore without it)' },
  YES,
];
const EXPORT_TO: OptionSpec = { key: 'cli.export.to', flag: 'to', type: 'string', default: undefined, help: 'Folder to write the decrypted copy into' };

type Args = Record<string, unknown> & { ids?: string[]; id?: string; json?: boolean; yes?: boolean; to?: string; rename?: boolean; all?: boolean; allow?: boolean };

/** Opens the endpoint (the agent's through its socket when it runs), runs `fn`, closes it. */
async function withEndpoint(argv: Args, readOnly: boolean, fn: (endpoint: EndpointApi) => Promise<number>): Promise<number> {
  const endpoint = await connectEndpoint(await loadCommandConfig(argv), { readOnly });
  try {
    return await fn(endpoint);
  } finally {
    endpoint.close();
  }
}

/** Prints each failure; exit 2 if any. */
function reportFailures(failed: readonly ItemFailure[]): number {
  for (const f of failed) writeLine(process.stderr, `epq: ${f.id}: ${f.message}`);
  return failed.length > 0 ? EXIT_ERROR : EXIT_CLEAN;
}

/** The question before a restore: says which items stay detected and what restoring them does. */
async function confirmRestore(endpoint: EndpointApi, ids: readonly string[], allow: boolean): Promise<boolean> {
  const still = await endpoint.checkRestore(ids);
  const lines = still.map((s) => allow
    ? `${s.id} (${s.path}) is still detected by ${s.signatures.join(', ')}; restoring adds an exception for it.`
    : `${s.id} (${s.path}) is still detected by ${s.signatures.join(', ')}; restored without an exception (--no-allow), the agent will quarantine it again.`);
  writeLines(process.stderr, lines);
  return confirm('Are you sure you want to restore the selected files?');
}

/**
 * `epq quarantine list|show|restore|delete|export|purge|rebuild`: the local quarantine from the CLI,
 * through the running agent when there is one.
 */
export function registerQuarantineCommand(parser: Argv, setExit: SetExit): void {
  const run = (fn: (argv: Args, endpoint: EndpointApi) => Promise<number>, readOnly = false) => async (argv: unknown) =>
    setExit(await withEndpoint(argv as Args, readOnly, (endpoint) => fn(argv as Args, endpoint)));
  parser.command('quarantine', 'View and manage the local quarantine', (y) =>
    y
      .options(contextYargsOptions())
      .command('list', 'List quarantined items (the guide\'s columns)', (c) => c.options(toYargsOptions([JSON_OUTPUT_OPTION, ALL])), run(async (argv, endpoint) => {
        const items = await endpoint.listItems(argv.all === true);
        const orphans = await endpoint.orphans();
        if (argv.json) process.stdout.write(`${JSON.stringify(items)}\n`);
        // "empty" would be a lie while packages sit there without records.
        else if (items.length > 0 || orphans.count === 0) writeBlock(process.stdout, renderItemTable(items));
        writeLines(process.stderr, orphans.lines);
        return orphans.count > 0 ? EXIT_ERROR : EXIT_CLEAN;
      }, true))
      .command('show <id>', 'Show every detail of one item', (c) => c.positional('id', { type: 'string' }).options(toYargsOptions([JSON_OUTPUT_OPTION])), run(async (argv, endpoint) => {
        const item = (await endpoint.listItems(true)).find((i) => i.id === String(argv.id));
        if (!item) throw new QuarantineError('missing', `no quarantined item ${String(argv.id)}`);
        if (argv.json) process.stdout.write(`${JSON.stringify(item)}\n`);
        else writeBlock(process.stdout, renderItemDetails(item));
        return EXIT_CLEAN;
      }, true))
      .command('restore <ids..>', 'Restore items to where they were (or --to DIR); one still detected gets an exception unless --no-allow', (c) => c.positional('ids', { type: 'string', array: true }).options(toYargsOptions(RESTORE_OPTIONS)), run(async (argv, endpoint) => {
        const ids = argv.ids ?? [];
        const allow = argv.allow !== false;
        if (!argv.yes && !(await confirmRestore(endpoint, ids, allow))) {
          process.stderr.write('Nothing restored.\n');
          return EXIT_ERROR;
        }
        // One batch: its count shows while it runs (a terminal only).
        const count = startBatchCount('Restoring', ids.length);
        count.show(0);
        const report = await endpoint.restore({ ids, allow, rename: argv.rename === true, ...(argv.to !== undefined && { to: resolve(argv.to) }) }).finally(() => count.clear());
        if (argv.json) process.stdout.write(`${JSON.stringify(report)}\n`);
        for (const r of argv.json ? [] : report.restored) writeLines(process.stdout, [`${r.id}: restored to ${r.path}`, ...r.notes.map((n) => `  ${n}`)]);
        for (const a of report.allowed) writeLine(process.stderr, `epq: ${a.id}: still detected by ${a.signatures.join(', ')}: exception added for SHA-256 ${a.sha256}`);
        for (const s of report.stillDetected) writeLine(process.stderr, `epq: warning: ${s.id}: still detected by ${s.signatures.join(', ')} and restored without an exception: the agent will quarantine it again`);
        return reportFailures(report.failed);
      }))
      .command('delete <ids..>', 'Delete items from the quarantine for good', (c) => c.positional('ids', { type: 'string', array: true }).options(toYargsOptions([YES])), run(async (argv, endpoint) => {
        if (!argv.yes && !(await confirm('Are you sure you want to delete the selected files?'))) {
          process.stderr.write('Nothing deleted.\n');
          return EXIT_ERROR;
        }
        const count = startBatchCount('Deleting', (argv.ids ?? []).length);
        count.show(0);
        const report = await endpoint.deleteItems(argv.ids ?? []).finally(() => count.clear());
        for (const d of report.done) writeLine(process.stdout, `${d.id}: deleted (${d.path})`);
        return reportFailures(report.failed);
      }))
      .command('export <id>', 'Write a decrypted copy for analysis; the item stays in quarantine', (c) => c.positional('id', { type: 'string' }).options(toYargsOptions([EXPORT_TO])).demandOption('to'), run(async (argv, endpoint) => {
        // The agent may run in another folder: it gets an absolute path.
        const report = await endpoint.exportItems([String(argv.id)], resolve(String(argv.to)));
        for (const d of report.done) writeLine(process.stdout, `${d.id}: exported to ${d.path}`);
        return reportFailures(report.failed);
      }))
      .command('rebuild', 'Rebuild the quarantine records from the packages (after the database was lost or damaged)', (c) => c.options(toYargsOptions([JSON_OUTPUT_OPTION]))
        .epilog('Each package in the blob folder that no record names is authenticated with the quarantine key and its record written from the '
          + 'metadata inside it. A damaged database is first renamed aside (never deleted). Packages written by an older epq (no metadata inside) '
          + 'and unreadable ones are listed and left in place. Exit 0 when every package has a record, 2 otherwise.'),
      async (argv) => {
        const args = argv as Args;
        const setAside: string[] = [];
        const ctx = await openQuarantine(await loadCommandConfig(args), { kind: 'command' }, undefined, { setAsideDamaged: (moved) => setAside.push(...moved) });
        try {
          // Rebuilding writes records the agent's store does not expect: it needs the store to itself.
          if (!ctx.owner) throw new QuarantineError('internal', `the agent (pid ${ctx.agentPid ?? '?'}) is using this quarantine: stop it first (systemctl stop epq-agent), then run \`epq quarantine rebuild\``);
          const report = rebuildRecords(ctx.store);
          // Items whose original was still in place are `stored`: recovery finishes moving them in.
          await recoverStore(ctx.store);
          const lines = describeRebuild(report, setAside);
          if (args.json) process.stdout.write(`${JSON.stringify({ setAside, rebuilt: report.rebuilt.map((i) => i.id), oldFormat: report.oldFormat.map((o) => o.fileName), unreadable: report.unreadable.map((u) => ({ file: u.orphan.fileName, reason: u.reason })) })}\n`);
          else writeLines(process.stdout, lines);
          setExit(report.oldFormat.length + report.unreadable.length > 0 ? EXIT_ERROR : EXIT_CLEAN);
        } finally {
          ctx.close();
        }
      })
      .command('purge', 'Apply the size and age limits now (oldest first)', (c) => c.options(toYargsOptions([JSON_OUTPUT_OPTION])), async (argv) => {
        const a = argv as Args;
        const ctx = await openQuarantine(await loadCommandConfig(a), { kind: 'command' });
        try {
          const purged = purgeQuarantine(ctx.store, ctx.config.quarantine);
          if (a.json) process.stdout.write(`${JSON.stringify(purged.map((i) => i.id))}\n`);
          else writeLines(process.stdout, purged.length === 0 ? ['Nothing to purge: the quarantine is within its limits.'] : purged.map((i) => `${i.id}: purged (${i.originalPath})`));
          setExit(EXIT_CLEAN);
        } finally {
          ctx.close();
        }
      })
      .demandCommand(1, 'Name a quarantine command: list, show, restore, delete, export, purge, rebuild'),
  );
}
