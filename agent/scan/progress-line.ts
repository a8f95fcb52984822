import { formatBytes } from './format.js';

/**
 * A one-line progress display for terminals: bytes scanned out of bytes found so far (the walk
 * runs ahead of the scan, so the total settles early), files, rate and detections.
 */
export class ProgressLine {
  private found = 0;
  private foundBytes = 0;
  private files = 0;
  private bytes = 0;
  private detections = 0;
  private last = 0;
  private readonly started = performance.now();

  constructor(private readonly out: NodeJS.WriteStream) {}

  addFound(size: number): void {
    this.found++;
    this.foundBytes += size;
    this.maybeDraw();
  }

  addScanned(size: number, detections: number): void {
    this.files++;
    this.bytes += size;
    this.detections += detections;
    this.maybeDraw();
  }

  private maybeDraw(): void {
    const now = performance.now();
    if (now - this.last < 100) return;
    this.last = now;
    const width = 24;
    const ratio = this.foundBytes > 0 ? Math.min(1, this.bytes / this.foundBytes) : 0;
    const filled = Math.round(ratio * width);
    const rate = this.bytes / Math.max(0.001, (now - this.started) / 1000);
    const line = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${Math.floor(ratio * 100)}%  ${this.files}/${this.found} files  ${formatBytes(this.bytes)}  ${formatBytes(rate)}/s  ${this.detections} found`;
    this.out.write(`\r${line.slice(0, (this.out.columns || 100) - 1)}\x1b[K`);
  }

  clear(): void {
    this.out.write('\r\x1b[K');
  }
}
