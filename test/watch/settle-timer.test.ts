import { jest } from '@jest/globals';
import { SettleTimer } from '../../agent/watch/settle-timer.js';

/** The watcher's stability wait, on a mocked clock: one timer for every pending path. */
describe('SettleTimer', () => {
  beforeEach(() => jest.useFakeTimers({ now: 0 }));
  afterEach(() => jest.useRealTimers());

  it('reports a path once it had no notification for stableMs, once, however often it was touched', () => {
    const reported: string[] = [];
    const settle = new SettleTimer(100, (p) => reported.push(p), () => Date.now());
    settle.touch('/w/a');
    jest.advanceTimersByTime(60);
    settle.touch('/w/a'); // still being written
    settle.touch('/w/b');
    jest.advanceTimersByTime(75);
    expect(reported).toEqual([]);
    jest.advanceTimersByTime(50);
    expect(reported).toEqual(['/w/a', '/w/b']);
    jest.advanceTimersByTime(1000);
    expect(reported).toEqual(['/w/a', '/w/b']);
    expect(settle.pending).toBe(0);
  });

  it('forgets a removed path, and reports nothing after stop', () => {
    const reported: string[] = [];
    const settle = new SettleTimer(100, (p) => reported.push(p), () => Date.now());
    settle.touch('/w/gone');
    settle.touch('/w/kept');
    settle.forget('/w/gone');
    jest.advanceTimersByTime(200);
    expect(reported).toEqual(['/w/kept']);
    settle.touch('/w/late');
    settle.stop();
    jest.advanceTimersByTime(200);
    expect(reported).toEqual(['/w/kept']);
  });
});
