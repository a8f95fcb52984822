import { execFileSync, spawnSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';

/** True when tmux can be run (CI installs it: `apt-get install -y tmux`). */
export function hasTmux(): boolean {
  return spawnSync('tmux', ['-V']).status === 0;
}

/**
 * A detached tmux session on a server of its own (its own socket, no user config), so that a
 * program that needs a real terminal can be driven by keys and read back as screen text.
 */
export class TmuxSession {
  private readonly socket = `epq-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;

  constructor(command: string, options: { cwd: string; columns?: number; rows?: number }) {
    this.tmux('-f', '/dev/null', 'new-session', '-d', '-s', 'main', '-c', options.cwd,
      '-x', String(options.columns ?? 150), '-y', String(options.rows ?? 30), command);
  }

  /** The visible screen as text. */
  screen(): string {
    return this.tmux('capture-pane', '-p', '-t', 'main');
  }

  /** tmux key names (`Space`, `Enter`, `Escape`) or single characters, one after another. */
  keys(...keys: string[]): void {
    this.tmux('send-keys', '-t', 'main', ...keys);
  }

  /** Whether the session (the program in it) is still running. */
  alive(): boolean {
    return spawnSync('tmux', ['-L', this.socket, 'has-session', '-t', 'main']).status === 0;
  }

  /** Waits until `check` holds, polling; on timeout throws with the last screen, to see why. */
  async waitFor(what: string, check: () => boolean, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (check()) return;
      await sleep(100);
    }
    throw new Error(`timed out waiting for ${what}; screen:\n${this.alive() ? this.screen() : '(session ended)'}`);
  }

  async waitForText(text: string | RegExp, timeoutMs?: number): Promise<void> {
    await this.waitFor(`screen text ${String(text)}`, () => {
      const screen = this.alive() ? this.screen() : '';
      return typeof text === 'string' ? screen.includes(text) : text.test(screen);
    }, timeoutMs);
  }

  /** Ends this session's own server (and the program in it), if still there. */
  kill(): void {
    spawnSync('tmux', ['-L', this.socket, 'kill-server']);
  }

  private tmux(...args: string[]): string {
    return execFileSync('tmux', ['-L', this.socket, ...args], { encoding: 'utf8' });
  }
}
