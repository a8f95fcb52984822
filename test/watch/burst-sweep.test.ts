import { jest } from '@jest/globals';
import { BurstSweeper } from '../../agent/watch/burst-sweep.js';

describe('BurstSweeper', () => {
  let clock: number;
  let sweeps: { since: number; seen: Map<string, number> }[];
  const make = (): BurstSweeper => new BurstSweeper({
    threshold: 5,
    windowMs: 2_000,
    quietMs: 1_000,
    now: () => clock,
    sweep: async (since, seen) => void sweeps.push({ since, seen: new Map(seen) }),
  });

  beforeEach(() => {
    jest.useFakeTimers();
    clock = 100_000;
    sweeps = [];
  });
  afterEach(() => jest.useRealTimers());

  it('does nothing for a trickle of changes', async () => {
    const b = make();
    for (let i = 0; i < 20; i++) {
      b.note(`/p/f${i}`);
      clock += 1_000;
      jest.advanceTimersByTime(1_000);
    }
    await b.idle();
    expect(sweeps).toEqual([]);
  });

  it('sweeps once after a burst has been quiet, from before its first report, knowing what was reported', async () => {
    const b = make();
    for (let i = 0; i < 8; i++) {
      b.note(`/p/f${i}`);
      clock += 100;
      jest.advanceTimersByTime(100);
    }
    // The last report was 100 ms ago; the sweep waits 1,000 ms of quiet after it.
    jest.advanceTimersByTime(800);
    await b.idle();
    expect(sweeps).toEqual([]);
    jest.advanceTimersByTime(100);
    await b.idle();
    expect(sweeps).toHaveLength(1);
    expect(sweeps[0]!.since).toBe(100_000 - 5_000);
    expect([...sweeps[0]!.seen.keys()]).toEqual(Array.from({ length: 8 }, (_, i) => `/p/f${i}`));
    expect(sweeps[0]!.seen.get('/p/f3')).toBe(100_300);
    jest.advanceTimersByTime(10_000);
    await b.idle();
    expect(sweeps).toHaveLength(1);
  });

  it('never sweeps once stopped', async () => {
    const b = make();
    for (let i = 0; i < 8; i++) b.note(`/p/f${i}`);
    b.stop();
    jest.advanceTimersByTime(5_000);
    await b.idle();
    expect(sweeps).toEqual([]);
  });
});
