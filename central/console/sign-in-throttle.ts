/**
 * Slows password guessing at the console: after `maxFailures` wrong passwords within
 * `windowMs`, every sign-in is refused until the window has passed. Global (not per address),
 * because a guesser can change address; a locked-out administrator waits one window at most.
 */
export class SignInThrottle {
  private failures: number[] = [];

  constructor(private readonly maxFailures: number, private readonly windowMs: number, private readonly now: () => number = Date.now) {}

  /** Seconds to wait before a sign-in is heard again; 0 = now. */
  waitSec(): number {
    const now = this.now();
    this.failures = this.failures.filter((t) => now - t < this.windowMs);
    if (this.failures.length < this.maxFailures) return 0;
    return Math.ceil((this.failures[0]! + this.windowMs - now) / 1000);
  }

  recordFailure(): void {
    this.failures.push(this.now());
  }
}
