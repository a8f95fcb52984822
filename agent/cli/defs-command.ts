/**
 * `epq defs ...`:
 *   - publisher side (defs-publisher-commands.ts): make signing keys, build and sign packages
 *     (full or incremental), verify and show them;
 *   - agent side (defs-store-commands.ts): install a package into the definitions store, update
 *     from the configured source, roll back, list the kept sets.
 * Their flags are in defs-options.ts.
 */
import type { Argv } from 'yargs';
import { toYargsOptions } from '../options/option-spec.js';
import type { SetExit } from './commands.js';
import {
  KEYGEN_OPTIONS,
  makeBuildOptions,
  makePubOptions,
  makeStoreOptions,
  markRequired,
  SHOW_OPTIONS,
  SOURCE_OPTIONS,
  toList,
} from './defs-options.js';
import { runBuild, runKeygen, runShow, runVerify } from './defs-publisher-commands.js';
import { runInstall, runList, runRollback, runUpdate } from './defs-store-commands.js';

/**
 * Registers `epq defs` and its subcommands. Handlers report through `setExit`: 0 done or
 * verified, 2 refused or failed (thrown errors become exit 2 in the entry point).
 */
export function registerDefsCommand(parser: Argv, setExit: SetExit): void {
  parser.command('defs', 'Definitions: build and sign packages; install, update, roll back and list the agent\'s sets', (defs: Argv) =>
    defs
      .usage('$0 defs <keygen|build|verify|show|install|update|rollback|list> [options]')
      .command('keygen', 'Create an Ed25519 key pair for signing definitions',
        (y: Argv) => y.options(markRequired(toYargsOptions(KEYGEN_OPTIONS), ['out'])),
        async (argv) => setExit(await runKeygen(String(argv.out))))
      .command('build', 'Test-load a source folder, sign it and write a package',
        (y: Argv) => y.options(markRequired(makeBuildOptions(), ['sequence', 'from', 'key', 'out'])),
        async (argv) => setExit(await runBuild(argv)))
      .command('verify <file>', 'Check a package: trusted signature, file hashes, metadata, test load',
        (y: Argv) => y.positional('file', { describe: 'Package file', type: 'string' }).options(markRequired(makePubOptions(), ['pub'])),
        async (argv) => setExit(await runVerify(String(argv.file), toList(argv.pub))))
      .command('show <file>', 'Print a package manifest WITHOUT verifying it',
        (y: Argv) => y.positional('file', { describe: 'Package file', type: 'string' }).options(toYargsOptions(SHOW_OPTIONS)),
        async (argv) => setExit(await runShow(String(argv.file), argv.json === true)))
      .command('install <file>', 'Verify, test and install a package into the agent\'s definitions store',
        (y: Argv) => y.positional('file', { describe: 'Package file (full, or incremental over the active set)', type: 'string' }).options(makeStoreOptions()),
        async (argv) => setExit(await runInstall(String(argv.file), argv)))
      .command('update', 'Check the definitions source now and install what is newer',
        (y: Argv) => y.options({ ...makeStoreOptions(), ...toYargsOptions(SOURCE_OPTIONS) }),
        async (argv) => setExit(await runUpdate(argv)))
      .command('rollback', 'Go back to the previous kept definitions set',
        (y: Argv) => y.options(makeStoreOptions()),
        async (argv) => setExit(await runRollback(argv)))
      .command('list', 'List the kept definitions sets (the active one marked) and the last update check',
        (y: Argv) => y.options(makeStoreOptions()),
        async (argv) => setExit(await runList(argv)))
      .demandCommand(1, 'Name a defs subcommand: keygen, build, verify, show, install, update, rollback or list.'),
  );
}
