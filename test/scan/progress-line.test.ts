import { Writable } from 'node:stream';
import { formatDuration, ProgressLine, renderProgress } from '../../agent/scan/progress-line.js';

/** A terminal stand-in that keeps what was drawn last. */
function fakeTerminal(columns = 200): { stream: Writable & { columns: number }; last: () => string; writes: () => number } {
  const frames: string[] = [];
  const stream = Object.assign(new Writable({ write(chunk: Buffer, _e, done) { frames.push(chunk.toString()); done(); } }), { columns });
  return { stream, last: () => frames.at(-1) ?? '', writes: () => frames.length };
}

describe('scan progress line', () => {
  it('gives no percentage while the total is unknown, then a bar by bytes and an ETA', () => {
    let now = 0;
    const term = fakeTerminal();
    const progress = new ProgressLine(term.stream, () => now);
    now = 2000;
    for (let i = 0; i < 10; i++) progress.addScanned(1024 * 1024, 0);
    expect(term.last()).toContain('Scanning: 1 files, 1.0 MiB, 512.0 KiB/s, 0 found (counting files...)');
    expect(term.last()).not.toMatch(/%/);

    now = 4000; // 10 MiB in 4 s; the counting walk found 40 MiB in 100 files
    progress.setTotal(100, 40 * 1024 * 1024);
    expect(term.last()).toContain('[#####...............] 25%  10/100 files  10.0 MiB/40.0 MiB  2.5 MiB/s  ETA 12s  0 found');
  });

  it('redraws at most every 100 ms of its clock', () => {
    let now = 0;
    const term = fakeTerminal();
    const progress = new ProgressLine(term.stream, () => now);
    for (let i = 0; i < 50; i++) progress.addScanned(10, 0);
    expect(term.writes()).toBe(1);
    now = 150;
    progress.addScanned(10, 1);
    expect(term.writes()).toBe(2);
    expect(term.last()).toContain('51 files');
    expect(term.last()).toContain('1 found');
  });

  it('never shows more than 100% when files grew after they were counted', () => {
    const text = renderProgress({ files: 12, bytes: 5000, detections: 2, total: { files: 10, bytes: 4000 }, seconds: 1 });
    expect(text).toMatch(/^\[#{20}\] 100%  12\/12 files/);
  });

  it('formats durations', () => {
    expect(formatDuration(5)).toBe('5s');
    expect(formatDuration(245)).toBe('4m 05s');
    expect(formatDuration(3720)).toBe('1h 02m');
  });
});
