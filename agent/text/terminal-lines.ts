/**
 * Writing lines for people: each line is escaped whole (printable.ts), so text from outside can
 * never add a line, move the cursor or change the terminal. After the reader went away (EPIPE,
 * e.g. `epq scan ... | head -1`), writes are dropped: printing stops, the work goes on.
 */
import { printable } from './printable.js';

type Output = NodeJS.WritableStream & { destroyed?: boolean; writableEnded?: boolean };

/** Writes one line: a newline inside `line` is shown as `\n`, never ends the line. */
export function writeLine(stream: Output, line: string | Uint8Array): void {
  if (isClosed(stream)) return;
  stream.write(`${printable(line)}\n`);
}

/** Writes each element as one line (see writeLine). */
export function writeLines(stream: Output, lines: readonly string[]): void {
  for (const line of lines) writeLine(stream, line);
}

/**
 * Writes text whose line breaks are the caller's own (a table, a details block) after escaping
 * everything else in each line. The values inside must already be escaped (their newlines too).
 */
export function writeBlock(stream: Output, text: string): void {
  writeLines(stream, text.split('\n'));
}

function isClosed(stream: Output): boolean {
  return stream.destroyed === true || stream.writableEnded === true;
}

/**
 * Makes a closed reader harmless: an EPIPE on the stream ends the printing (later writes are
 * dropped) instead of the process. Any other write error is reported once on stderr and also
 * ends the printing, since the output is lost either way.
 */
export function toleratePipeClose(stream: NodeJS.WritableStream & { destroy?: () => void }, name: string): void {
  let reported = false;
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE' && err.code !== 'ERR_STREAM_DESTROYED' && !reported) {
      reported = true;
      process.stderr.write(`epq: cannot write to ${name}: ${printable(err.message)}\n`);
    }
    stream.destroy?.();
  });
}
