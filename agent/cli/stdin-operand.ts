/**
 * yargs drops a bare `-` when it fills a positional list (it reads it as a flag), so the entry
 * point swaps it for a marker before parsing. A path can't hold a NUL byte, so no real path
 * collides with the marker. Its own file so that the entry point doesn't load the scan command.
 */
export const STDIN_OPERAND = '\u0000-';

/** Keeps `-` (standard input) of `epq scan -` through yargs; other command lines come back as they were. Never throws. */
export function protectStdinOperand(argv: readonly string[]): string[] {
  if (argv[0] !== 'scan') return [...argv];
  return argv.map((a, i) => (a === '-' && i > 0 ? STDIN_OPERAND : a));
}

/** True for the `-` operand (as typed, or as marked by protectStdinOperand). */
export function isStdinOperand(path: string): boolean {
  return path === '-' || path === STDIN_OPERAND;
}
