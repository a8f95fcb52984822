/**
 * Build step: writes the `epq(1)` man page (default dist/man/epq.1) from the option tables.
 * Run by `npm run build` and `npm ci` (prepare) after tsc.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AGENT_OPTIONS } from '../options/agent-options.js';
import { collectCommandHelp } from './command-help.js';
import { renderManPage } from './man-page.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const target = process.argv[2] ?? `${root}dist/man/epq.1`;
try {
  const pkg = JSON.parse(await readFile(`${root}package.json`, 'utf8')) as { version: string };
  const page = renderManPage({ version: pkg.version, commands: await collectCommandHelp(), configOptions: AGENT_OPTIONS });
  await mkdir(dirname(target), { recursive: true });
  await writeFile(target, page);
} catch (err) {
  process.stderr.write(`write-man-page: ${(err as Error).message}\n`);
  process.exitCode = 2;
}
