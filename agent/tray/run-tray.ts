/**
 * `epq tray`: wires the pure view (tray-state, tray-render) to the quarantine, the status and
 * the terminal. It works on the same store and config as the CLI and follows changes that others
 * make (the agent quarantining, another `epq` restoring) by polling once a second.
 */
import type { ReadStream, WriteStream } from 'node:tty';
import { openQuarantine, type QuarantineContext } from '../endpoint/open-quarantine.js';
import { connectEndpoint } from '../control/connect-endpoint.js';
import type { EndpointApi } from '../endpoint/endpoint-api.js';
import type { AgentConfig } from '../config/index.js';
import { runTrayAction } from './tray-actions.js';
import { renderTray } from './tray-render.js';
import { handleKey, initialState, withItems, type TrayEffect, type TrayKey, type TrayState } from './tray-state.js';
import { openTerminal, type TrayTerminal } from './tray-terminal.js';

/** How often the store and the status are looked at for changes made by others. */
export const POLL_MS = 1000;

/** Redraw a batch's count at most this often. */
const PROGRESS_MS = 100;

const BUSY_TEXT: Readonly<Record<Exclude<TrayEffect['kind'], 'quit'>, string>> = {
  restore: 'Restoring',
  delete: 'Deleting',
  export: 'Exporting',
  allow: 'Adding the exception and restoring what it covers...',
  update: 'Checking for definitions updates...',
};

/**
 * Runs the view until the user quits (q, ctrl-c) or the process is told to stop.
 * @throws ConfigError, DatabaseError, QuarantineError when the quarantine can't be opened
 *   (before the terminal is taken over, so the message reads normally).
 */
export async function runTray(config: AgentConfig, input: ReadStream, output: WriteStream): Promise<number> {
  // Actions go to the running agent when there is one; the list is read from the store.
  const endpoint = await connectEndpoint(config, { holdLock: false });
  let ctx: QuarantineContext | null = null;
  try {
    ctx = await openQuarantine(config, { kind: 'command', readOnly: true, holdLock: false });
    // The header shows what `epq status` shows: the running agent's own account when it runs.
    const state = initialState(ctx.store.records.held(), await endpoint.status());
    await new TraySession(ctx, endpoint, openTerminal(input, output), state).run();
    return 0;
  } finally {
    ctx?.close();
    endpoint.close();
  }
}

class TraySession {
  private dataVersion: unknown;
  private polling = false;
  private finish: () => void = () => undefined;

  constructor(
    private readonly ctx: QuarantineContext,
    private readonly endpoint: EndpointApi,
    private readonly terminal: TrayTerminal,
    private state: TrayState,
  ) {
    this.dataVersion = this.readDataVersion();
  }

  run(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setInterval(() => void this.poll(), POLL_MS);
      const stop = (): void => {
        clearInterval(timer);
        process.off('SIGTERM', stop);
        process.off('SIGHUP', stop);
        this.terminal.close();
        resolve();
      };
      this.finish = stop;
      process.once('SIGTERM', stop);
      process.once('SIGHUP', stop);
      this.terminal.onKey((key) => void this.key(key));
      this.terminal.onResize(() => this.render());
      this.render();
    });
  }

  private render(): void {
    this.terminal.draw(renderTray(this.state, this.terminal.size()));
  }

  private async key(key: TrayKey): Promise<void> {
    const { state, effect } = handleKey(this.state, key);
    this.state = state;
    if (effect?.kind === 'quit') return this.finish();
    this.render();
    if (effect) await this.perform(effect);
  }

  /** Keys are ignored while busy (the reducer's busy mode), so actions never overlap. */
  private async perform(effect: Exclude<TrayEffect, { kind: 'quit' }>): Promise<void> {
    const verb = BUSY_TEXT[effect.kind];
    const counted = 'ids' in effect && effect.kind !== 'allow';
    const busy = (text: string): void => {
      this.state = { ...this.state, mode: { kind: 'busy', text }, message: null };
      this.render();
    };
    busy(counted ? `${verb} 0/${effect.ids.length}...` : verb);
    let drawn = 0;
    const message = await runTrayAction(this.endpoint, effect, (done, total) => {
      if (Date.now() - drawn < PROGRESS_MS && done < total) return;
      drawn = Date.now();
      busy(`${verb} ${done}/${total}...`);
    });
    const selected = effect.kind === 'update' ? this.state.selected : new Set<string>();
    this.state = withItems({ ...this.state, mode: { kind: 'list' }, message, selected }, this.ctx.store.records.held());
    if (effect.kind === 'update') this.state = { ...this.state, status: await this.endpoint.status() };
    this.render();
  }

  /**
   * Reloads the items when another connection committed to the database (SQLite's
   * data_version changes only then), and the status header every time.
   */
  private async poll(): Promise<void> {
    if (this.polling || this.state.mode.kind === 'busy') return;
    this.polling = true;
    try {
      const version = this.readDataVersion();
      if (version !== this.dataVersion) {
        this.dataVersion = version;
        this.state = withItems(this.state, this.ctx.store.records.held());
      }
      const status = await this.endpoint.status();
      this.state = { ...this.state, status };
      this.render();
    } catch (err) {
      this.state = { ...this.state, message: { text: `Refresh failed: ${(err as Error).message}`, error: true } };
      this.render();
    } finally {
      this.polling = false;
    }
  }

  private readDataVersion(): unknown {
    return this.ctx.store.db.pragma('data_version', { simple: true });
  }
}
