/**
 * One edit at a time per persistence file within this process. Detections that arrive together
 * each read, edit and rename the same crontab; without this, the last rename won and the other
 * edits were lost while their items recorded the lines as removed.
 */
const tails = new Map<string, Promise<void>>();

/**
 * Runs `fn` once every earlier call for the same `key` (the file's resolved host path) has
 * settled, and returns what it returns.
 * @throws whatever `fn` throws.
 */
export async function withFileLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const previous = tails.get(key) ?? Promise.resolve();
  let release!: () => void;
  const mine = new Promise<void>((resolve) => (release = resolve));
  const tail = previous.then(() => mine);
  tails.set(key, tail);
  try {
    await previous;
    return await fn();
  } finally {
    release();
    if (tails.get(key) === tail) tails.delete(key);
  }
}
