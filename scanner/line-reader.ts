/**
 * Calls `onLine(start, end, lineNumber)` for each line of `data` (without the `\n` or `\r\n`).
 */
export function forEachLine(data: Uint8Array, firstLine: number, onLine: (start: number, end: number, line: number) => void): number {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  let start = 0;
  let line = firstLine;
  while (start < buf.length) {
    let nl = buf.indexOf(10, start);
    if (nl < 0) nl = buf.length;
    let end = nl;
    if (end > start && buf[end - 1] === 13) end--;
    onLine(start, end, line);
    start = nl + 1;
    line++;
  }
  return line - firstLine;
}

/** Counts newlines, so tables can be sized once instead of grown (and copied) repeatedly. */
export function countNewlines(data: Uint8Array): number {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  let n = 0;
  for (let at = buf.indexOf(10); at >= 0; at = buf.indexOf(10, at + 1)) n++;
  return n;
}

/**
 * Regroups arbitrary chunks into blocks that hold only whole lines (the last block may lack a
 * final newline), so line parsers never see half a line. A block is only valid until the next
 * one is requested: one scratch buffer is reused, since a fresh block per megabyte would leave
 * the garbage collector a file's worth of buffers to find.
 */
export function* wholeLineBlocks(chunks: Iterable<Uint8Array>): Generator<Uint8Array> {
  let scratch: Uint8Array = new Uint8Array(0);
  let carry = 0;
  for (const chunk of chunks) {
    const lastNewline = chunk.lastIndexOf(10);
    if (carry === 0 && lastNewline >= 0) {
      yield chunk.subarray(0, lastNewline + 1);
    } else {
      const need = carry + (lastNewline < 0 ? chunk.length : lastNewline + 1);
      scratch = ensure(scratch, need, carry);
      scratch.set(lastNewline < 0 ? chunk : chunk.subarray(0, lastNewline + 1), carry);
      carry = need;
      if (lastNewline < 0) continue;
      yield scratch.subarray(0, carry);
    }
    const rest = chunk.subarray(lastNewline + 1);
    scratch = ensure(scratch, rest.length, 0);
    scratch.set(rest, 0);
    carry = rest.length;
  }
  if (carry > 0) yield scratch.subarray(0, carry);
}

/** A buffer of at least `length` bytes keeping its first `keep` bytes. */
function ensure(buffer: Uint8Array, length: number, keep: number): Uint8Array {
  if (buffer.length >= length) return buffer;
  const bigger = new Uint8Array(Math.max(length, buffer.length * 2));
  bigger.set(buffer.subarray(0, keep));
  return bigger;
}
