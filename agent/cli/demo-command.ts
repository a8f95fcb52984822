import { writeFile } from 'node:fs/promises';
import type { Argv } from 'yargs';
import type { SetExit } from './commands.js';
import { EXIT_CLEAN } from './exit-codes.js';

/**
 * The EICAR anti-virus test file (harmless; every scanner detects it), put together at run time
 * so that the literal string never sits in a file of this repository, where scans would flag it.
 */
export function assembleEicar(): Buffer {
  const parts = ['X5O!P%@AP[4\\PZX54(P^)7CC)7}$', 'EICAR-STANDARD-ANTIVIRUS-', 'TEST-FILE!$H+H*'];
  return Buffer.from(parts.join(''), 'latin1');
}

/**
 * `epq demo eicar PATH`: writes the EICAR test file for a first try of scan and quarantine,
 * without shell quoting traps. An existing file is never overwritten.
 */
export function registerDemoCommand(parser: Argv, setExit: SetExit): void {
  parser.command('demo', 'Make harmless test files to try epq with', (y) =>
    y
      .command('eicar <path>', 'Write the EICAR anti-virus test file (harmless; detected by every scanner) to PATH', (c) => c.positional('path', { type: 'string', demandOption: true }),
        async (argv) => {
          const path = String(argv.path);
          await writeFile(path, assembleEicar(), { flag: 'wx', mode: 0o644 }).catch((err: unknown) => {
            const code = (err as NodeJS.ErrnoException).code;
            throw new Error(code === 'EEXIST' ? `${path} exists already; not overwriting it` : `cannot write ${path}`, { cause: err });
          });
          process.stdout.write(`Wrote the EICAR test file to ${path}. Try: epq scan ${path}\n`);
          setExit(EXIT_CLEAN);
        })
      .demandCommand(1, 'Name a demo: eicar.'),
  );
}
