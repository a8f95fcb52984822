import { SignInThrottle } from '../../../central/console/sign-in-throttle.js';

describe('console sign-in throttle', () => {
  it('refuses sign-ins after the allowed failures until the window has passed', () => {
    let now = 1_000_000;
    const t = new SignInThrottle(3, 60_000, () => now);
    for (let i = 0; i < 3; i++) {
      expect(t.waitSec()).toBe(0);
      t.recordFailure();
      now += 1000;
    }
    expect(t.waitSec()).toBe(57);
    now += 57_000;
    expect(t.waitSec()).toBe(0);
  });
});
