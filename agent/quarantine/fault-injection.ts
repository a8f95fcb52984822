/**
 * Crash-test hook: when the environment variable EPQ_FAULT names a step, the process kills
 * itself (SIGKILL, no clean-up, like a power cut) on reaching it. Tests run the CLI once per
 * step and check that nothing was lost.
 *
 * In a batch some steps are reached once per item (see BATCH_ITEM_STEPS); `step#N` kills at the
 * Nth time the step is reached, so a test can stop a batch with some items past the step and
 * others not yet there. A plain `step` is `step#1`.
 */
export const FAULT_ENV = 'EPQ_FAULT';

const reached = new Map<string, number>();

export function faultPoint(step: string): void {
  const wanted = process.env[FAULT_ENV];
  if (wanted === undefined || !wanted.startsWith(step)) return;
  const rest = wanted.slice(step.length);
  if (rest !== '' && !/^#\d+$/.test(rest)) return;
  const count = (reached.get(step) ?? 0) + 1;
  reached.set(step, count);
  if (count === (rest === '' ? 1 : Number(rest.slice(1)))) process.kill(process.pid, 'SIGKILL');
}

/** Every step the quarantine can be killed at, in the order a batch reaches them. */
export const QUARANTINE_STEPS = [
  'quarantine:after-intent',
  'quarantine:after-blob-write',
  'quarantine:after-commit',
  'quarantine:after-unlink',
  'quarantine:after-blob-rename',
  'quarantine:after-side-effects',
] as const;

export const RESTORE_STEPS = [
  'restore:after-intent',
  'restore:after-temp-write',
  'restore:after-link',
  'restore:after-side-effects',
] as const;

/**
 * Steps reached once per item of a batch (the others once per batch): killing at the Nth of
 * them leaves items on both sides of the step.
 */
export const BATCH_ITEM_STEPS: ReadonlySet<string> = new Set([
  'quarantine:after-intent',
  'quarantine:after-blob-write',
  'quarantine:after-unlink',
  'quarantine:after-blob-rename',
  'quarantine:after-side-effects',
  'restore:after-temp-write',
  'restore:after-link',
  'restore:after-side-effects',
]);
