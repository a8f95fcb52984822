/**
 * "Restoring 120/503" on the terminal while a CLI batch runs: one line on stderr, drawn over
 * itself and cleared before anything else is printed. Nothing is drawn when stderr is not a
 * terminal or the batch is a single item.
 */
export interface BatchCount {
  /** Call before an item starts: `done` items are finished. */
  show(done: number): void;
  /** Removes the line (before printing a result, and at the end). */
  clear(): void;
}

export function startBatchCount(verb: string, total: number, stream: NodeJS.WriteStream = process.stderr): BatchCount {
  if (!stream.isTTY || total < 2) return { show: () => undefined, clear: () => undefined };
  let drawn = false;
  return {
    show(done) {
      stream.write(`\r${verb} ${done}/${total}...\x1b[K`);
      drawn = true;
    },
    clear() {
      if (drawn) stream.write('\r\x1b[K');
      drawn = false;
    },
  };
}
