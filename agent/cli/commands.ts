import type { Argv } from 'yargs';

/** Each command reports its exit code through `setExit`; the entry point owns the process. */
export type SetExit = (code: number) => void;

export function registerCommands(parser: Argv, setExit: SetExit): void {
  void parser;
  void setExit;
}
