/**
 * Calls `onLine(start, end, lineNumber)` for each line of `data` (without the `\n` or `\r\n`).
 * Works on bytes so that a million-line hash file never becomes a million strings.
 */
export function forEachLine(data: Uint8Array, onLine: (start: number, end: number, line: number) => void): void {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  let start = 0;
  let line = 1;
  while (start < buf.length) {
    let nl = buf.indexOf(10, start);
    if (nl < 0) nl = buf.length;
    let end = nl;
    if (end > start && buf[end - 1] === 13) end--;
    onLine(start, end, line);
    start = nl + 1;
    line++;
  }
}

/** Counts lines cheaply so tables can be sized once instead of grown repeatedly. */
export function countLines(data: Uint8Array): number {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  let n = 0;
  for (let at = buf.indexOf(10); at >= 0; at = buf.indexOf(10, at + 1)) n++;
  return n + 1;
}
