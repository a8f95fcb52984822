import { formatBytes } from './format.js';

/** What the progress line knows at one moment. */
export interface ProgressCounts {
  readonly files: number;
  readonly bytes: number;
  readonly detections: number;
  /** Files and bytes of the whole scan, once a counting walk finished; null while it runs. */
  readonly total: { readonly files: number; readonly bytes: number } | null;
  readonly seconds: number;
}

/** "1h 02m", "4m 05s", "12s". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const pad = (n: number): string => String(n).padStart(2, '0');
  if (s >= 3600) return `${Math.floor(s / 3600)}h ${pad(Math.floor((s % 3600) / 60))}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m ${pad(s % 60)}s`;
  return `${s}s`;
}

/**
 * The line's text (pure). Until the total is known it says what was scanned and how fast, with no
 * percentage (a share of "found so far" would sit near 100% all along); then a bar by bytes and
 * an ETA from the rate so far.
 */
export function renderProgress(c: ProgressCounts): string {
  const rate = c.bytes / Math.max(0.001, c.seconds);
  const found = `${c.detections} found`;
  if (c.total === null) {
    return `Scanning: ${c.files} files, ${formatBytes(c.bytes)}, ${formatBytes(rate)}/s, ${found} (counting files...)`;
  }
  const totalBytes = Math.max(c.total.bytes, c.bytes);
  const totalFiles = Math.max(c.total.files, c.files);
  const ratio = totalBytes > 0 ? c.bytes / totalBytes : totalFiles > 0 ? c.files / totalFiles : 1;
  const width = 20;
  const filled = Math.round(ratio * width);
  const eta = c.bytes > 0 ? `ETA ${formatDuration((totalBytes - c.bytes) / rate)}` : 'ETA --';
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${Math.floor(ratio * 100)}%  ${c.files}/${totalFiles} files  ` +
    `${formatBytes(c.bytes)}/${formatBytes(totalBytes)}  ${formatBytes(rate)}/s  ${eta}  ${found}`;
}

/** Redraws at most this often, so a fast scan is not slowed by the terminal. */
const REDRAW_MS = 100;

/**
 * A one-line progress display for terminals, drawn over itself with `\r`. The clock is given so
 * tests can drive it.
 */
export class ProgressLine {
  private files = 0;
  private bytes = 0;
  private detections = 0;
  private total: { files: number; bytes: number } | null = null;
  private last = -Infinity;
  private readonly started: number;

  constructor(
    private readonly out: NodeJS.WritableStream & { columns?: number },
    private readonly now: () => number = () => performance.now(),
  ) {
    this.started = now();
  }

  addScanned(size: number, detections: number): void {
    this.files++;
    this.bytes += size;
    this.detections += detections;
    this.maybeDraw();
  }

  /** The counting walk finished: the whole scan is this many files and bytes. */
  setTotal(files: number, bytes: number): void {
    this.total = { files, bytes };
    this.maybeDraw(true);
  }

  private maybeDraw(force = false): void {
    const now = this.now();
    if (!force && now - this.last < REDRAW_MS) return;
    this.last = now;
    const line = renderProgress({ files: this.files, bytes: this.bytes, detections: this.detections, total: this.total, seconds: (now - this.started) / 1000 });
    this.out.write(`\r${line.slice(0, (this.out.columns || 100) - 1)}\x1b[K`);
  }

  clear(): void {
    this.out.write('\r\x1b[K');
  }
}
