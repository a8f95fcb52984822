/**
 * The thin terminal layer of the tray: the alternate screen, raw-mode keys through node's
 * readline keypress events, and whole-screen redraws with ANSI escape codes.
 */
import { emitKeypressEvents } from 'node:readline';
import type { ReadStream, WriteStream } from 'node:tty';
import { toAnsi, type TerminalSize, type TrayLine } from './tray-render.js';
import type { TrayKey } from './tray-state.js';

const ENTER = '\x1b[?1049h\x1b[?25l\x1b[2J';
const LEAVE = '\x1b[0m\x1b[?25h\x1b[?1049l';
const HOME = '\x1b[H';
const CLEAR_LINE_END = '\x1b[K';
const CLEAR_BELOW = '\x1b[J';

export interface TrayTerminal {
  size(): TerminalSize;
  /** Redraws the screen; a frame identical to the last one is not written again. */
  draw(lines: readonly TrayLine[]): void;
  onKey(handler: (key: TrayKey) => void): void;
  onResize(handler: () => void): void;
  /** Gives the terminal back as it was. Safe to call twice. */
  close(): void;
}

/**
 * Takes over the terminal: alternate screen (the shell's screen comes back on close), hidden
 * cursor, raw keys. The terminal is restored on close and, as a last resort, at process exit.
 */
export function openTerminal(input: ReadStream, output: WriteStream): TrayTerminal {
  let last = '';
  let open = true;
  const listeners: { keypress?: (s: string, k: TrayKey | undefined) => void; resize?: () => void } = {};
  const restore = (): void => {
    if (!open) return;
    open = false;
    if (listeners.keypress) input.off('keypress', listeners.keypress);
    if (listeners.resize) output.off('resize', listeners.resize);
    input.setRawMode(false);
    input.pause();
    output.write(LEAVE);
  };
  process.once('exit', restore);
  emitKeypressEvents(input);
  input.setRawMode(true);
  input.resume();
  output.write(ENTER);
  return {
    size: () => ({ columns: output.columns || 80, rows: output.rows || 24 }),
    draw(lines) {
      const columns = output.columns || 80;
      const frame = HOME + lines.map((l) => toAnsi(l, columns) + CLEAR_LINE_END).join('\r\n') + CLEAR_BELOW;
      if (!open || frame === last) return;
      last = frame;
      output.write(frame);
    },
    onKey(handler) {
      listeners.keypress = (sequence, key) => handler({ name: key?.name, sequence: key?.sequence ?? sequence, ctrl: key?.ctrl, meta: key?.meta });
      input.on('keypress', listeners.keypress);
    },
    onResize(handler) {
      listeners.resize = () => {
        last = ''; // Everything moves on a resize: draw the next frame whole.
        handler();
      };
      output.on('resize', listeners.resize);
    },
    close() {
      restore();
      process.off('exit', restore);
    },
  };
}
