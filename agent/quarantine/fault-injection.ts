/**
 * Crash-test hook: when the environment variable EPQ_FAULT names a step, the process kills
 * itself (SIGKILL, no clean-up, like a power cut) on reaching it. Tests run the CLI once per
 * step and check that nothing was lost.
 */
export const FAULT_ENV = 'EPQ_FAULT';

export function faultPoint(step: string): void {
  if (process.env[FAULT_ENV] === step) process.kill(process.pid, 'SIGKILL');
}

/** Every step the quarantine can be killed at, in order. */
export const QUARANTINE_STEPS = [
  'quarantine:after-intent',
  'quarantine:after-blob-write',
  'quarantine:after-blob-rename',
  'quarantine:after-commit',
  'quarantine:after-unlink',
  'quarantine:after-side-effects',
] as const;

export const RESTORE_STEPS = [
  'restore:after-intent',
  'restore:after-temp-write',
  'restore:after-link',
  'restore:after-side-effects',
] as const;
