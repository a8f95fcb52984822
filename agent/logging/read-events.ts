/** Reading the event log back, for `epq status`. */
import { open } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import type { LoggedEvent } from './event-logger.js';

const CHUNK = 64 * 1024;

/**
 * The last `n` events of the log, oldest first. Reads the file from its end, then the rotated
 * files (`epq1.log`, `epq2.log`, ...: winston's tailable names) while more are needed. Lines that
 * are not events (a partial last line, foreign text) are skipped. A missing log is empty.
 */
export async function readRecentEvents(file: string, n: number): Promise<LoggedEvent[]> {
  const found: LoggedEvent[] = [];
  if (n <= 0) return found;
  for (let index = 0; found.length < n; index++) {
    const lines = await lastLines(index === 0 ? file : rotatedName(file, index), n - found.length);
    if (lines === null) break;
    const events = lines.map(parseEvent).filter((e): e is LoggedEvent => e !== null);
    found.unshift(...events.slice(-(n - found.length)));
  }
  return found;
}

/** winston's name of the index-th rotated file: epq.log -> epq1.log. */
export function rotatedName(file: string, index: number): string {
  const ext = extname(file);
  return join(dirname(file), `${basename(file, ext)}${index}${ext}`);
}

/** Up to `want` event lines from the end of one file; null when the file is missing. */
async function lastLines(file: string, want: number): Promise<string[] | null> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  try {
    const { size } = await handle.stat();
    let position = size;
    let tail = Buffer.alloc(0);
    let events: string[] = [];
    while (position > 0) {
      const length = Math.min(CHUNK, position);
      position -= length;
      const chunk = Buffer.alloc(length);
      await handle.read(chunk, 0, length, position);
      tail = Buffer.concat([chunk, tail]);
      const lines = tail.toString('utf8').split('\n');
      // The first piece may be a cut line unless we reached the start of the file.
      const whole = position === 0 ? lines : lines.slice(1);
      events = whole.filter((line) => parseEvent(line) !== null);
      if (events.length >= want) break;
    }
    return events.slice(-want);
  } finally {
    await handle.close();
  }
}

function parseEvent(line: string): LoggedEvent | null {
  if (!line.startsWith('{')) return null;
  try {
    const record = JSON.parse(line) as Partial<LoggedEvent>;
    if (typeof record.time !== 'string' || typeof record.name !== 'string' || typeof record.message !== 'string') return null;
    if (record.severity !== 'info' && record.severity !== 'warning' && record.severity !== 'error') return null;
    return record as LoggedEvent;
  } catch {
    return null;
  }
}
