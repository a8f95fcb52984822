import type { Argv } from 'yargs';
import { registerDefsCommand } from './defs-command.js';
import { registerScanCommand } from './scan-command.js';
import { registerAgentCommand } from './agent-command.js';
import { registerStatusCommand } from './status-command.js';
import { registerQuarantineCommand } from './quarantine-command.js';
import { registerExceptionsCommand } from './exceptions-command.js';
import { registerCentralCommand } from './central-command.js';
import { registerTrayCommand } from './tray-command.js';
import { registerDemoCommand } from './demo-command.js';

/** Each command reports its exit code through `setExit`; the entry point owns the process. */
export type SetExit = (code: number) => void;

export function registerCommands(parser: Argv, setExit: SetExit): void {
  registerScanCommand(parser, setExit);
  registerAgentCommand(parser, setExit);
  registerStatusCommand(parser, setExit);
  registerQuarantineCommand(parser, setExit);
  registerExceptionsCommand(parser, setExit);
  registerDefsCommand(parser, setExit);
  registerCentralCommand(parser, setExit);
  registerTrayCommand(parser, setExit);
  registerDemoCommand(parser, setExit);
}
