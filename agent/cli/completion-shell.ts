/** Shells `epq completion SHELL` writes a script for. */
export const COMPLETION_SHELLS = ['bash', 'zsh'] as const;

/**
 * yargs picks the completion script's shell from $SHELL when the parser is made, so
 * `epq completion zsh` (or bash) sets it before, and the shell word is taken off the arguments.
 * Other command lines come back unchanged. Never throws.
 */
export function applyCompletionShell(argv: readonly string[], env: NodeJS.ProcessEnv): string[] {
  const shell = argv[1];
  if (argv[0] !== 'completion' || !(COMPLETION_SHELLS as readonly (string | undefined)[]).includes(shell)) return [...argv];
  env['SHELL'] = `/bin/${shell}`;
  delete env['ZSH_NAME'];
  return [argv[0], ...argv.slice(2)];
}
