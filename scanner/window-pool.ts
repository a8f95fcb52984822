/**
 * Reuses scan windows. A fresh megabyte per file means the kernel maps and zeroes 3 GB of
 * pages to scan 3 GB of files; keeping a few windows per thread removes that cost.
 */
const free: Uint8Array[] = [];
const KEEP = 4;

export function acquireWindow(length: number): Uint8Array {
  for (let i = free.length - 1; i >= 0; i--) {
    if (free[i]!.length >= length) return free.splice(i, 1)[0]!;
  }
  return new Uint8Array(length);
}

export function releaseWindow(window: Uint8Array): void {
  if (free.length < KEEP) free.push(window);
}
