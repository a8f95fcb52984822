import type { Argv } from 'yargs';
import { registerDefsCommand } from './defs-command.js';
import { registerScanCommand } from './scan-command.js';

/** Each command reports its exit code through `setExit`; the entry point owns the process. */
export type SetExit = (code: number) => void;

export function registerCommands(parser: Argv, setExit: SetExit): void {
  registerScanCommand(parser, setExit);
  registerDefsCommand(parser, setExit);
}
