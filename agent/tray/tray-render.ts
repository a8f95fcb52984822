/**
 * The tray view as lines of text (pure: state and terminal size in, lines out). Styles are
 * named, not escape codes, so tests read the text; `toAnsi` turns a line into what is written.
 * Every line is escaped (printable.ts) and cut by display width, so no name can move the cursor,
 * add a line or push the header off the screen.
 */
import { itemDetailLines } from '../cli/quarantine-view.js';
import { displayWidth, truncateToWidth, wrapToWidth } from '../text/display-width.js';
import { formatLocalTime } from '../text/format-time.js';
import { printable } from '../text/printable.js';
import { fitWidths, ITEM_COLUMNS, itemCells, layoutRow } from './tray-columns.js';
import { legendFor } from './tray-legend.js';
import { QUESTIONS, type TrayState, type TrayStatus } from './tray-state.js';
import { describeView } from './tray-view.js';

export type LineStyle = 'plain' | 'title' | 'header' | 'cursor' | 'selected' | 'error' | 'dim';

export interface TrayLine {
  readonly text: string;
  readonly style: LineStyle;
}

export interface TerminalSize {
  readonly columns: number;
  readonly rows: number;
}

export const MIN_SIZE: TerminalSize = { columns: 40, rows: 10 };

/** Lines above the list (title, four status lines, blank) and below it (message, keys). */
const HEAD_LINES = 6;
const FOOT_LINES = 2;
/** Cursor mark and selection box before each row: "> [x] ". */
const ROW_PREFIX = 6;
const READ_ALL = ' (m: read all)';

/** Every line of the screen, exactly `size.rows` of them, none wider than `size.columns`. */
export function renderTray(state: TrayState, size: TerminalSize): TrayLine[] {
  if (size.columns < MIN_SIZE.columns || size.rows < MIN_SIZE.rows) {
    return fill([{ text: `Need ${MIN_SIZE.columns}x${MIN_SIZE.rows} or more; q quits`, style: 'error' }], size);
  }
  const room = size.rows - 1 - FOOT_LINES;
  const mode = state.mode;
  let body: TrayLine[];
  let position = '';
  if (mode.kind === 'details' || mode.kind === 'message') {
    const page = readerLines(state, size.columns, room, mode.kind === 'details' ? mode.id : null, mode.scroll);
    body = page.lines;
    position = page.position;
  } else {
    body = listLines(state, size);
  }
  return fill([titleLine(state), ...body.slice(0, room)], size, footLines(state, size.columns, position));
}

/** The status header: agent, definitions, last update check, protected folders. */
export function statusLines(status: TrayStatus | null): string[] {
  if (!status) return ['Reading the agent status...', '', '', ''];
  const d = status.definitions;
  const created = d.created ? `, created ${formatLocalTime(d.created)}` : '';
  const check = status.lastUpdateCheck;
  const checkText = check ? `${formatLocalTime(check.at)} ${check.result}${check.reason ? ` (${check.reason})` : ''}` : 'never';
  return [
    `Agent:              ${status.running ? `running (pid ${status.pid ?? '?'})` : 'not running'}`,
    `Definitions:        ${d.builtin ? `built-in, sequence ${d.sequence}` : `sequence ${d.sequence}`}${created}`,
    `Last update check:  ${checkText}${status.updateSource === null ? ' (no definitions source configured)' : ''}`,
    `Protected folders:  ${status.watched.map((w) => printable(w)).join(', ') || 'none'}`,
  ].map((l) => printable(l));
}

/** "epq tray | 12 of 40 item(s), sorted by date, filter "eicar" | 2 selected". */
function titleLine(state: TrayState): TrayLine {
  const total = state.items.length;
  const shown = state.visible.length === total ? `${total} item(s) in quarantine` : `${state.visible.length} of ${total} item(s) shown`;
  const at = state.visible.length > 0 ? `, at ${state.cursor + 1} of ${state.visible.length}` : '';
  const selected = state.selected.size > 0 ? `  |  ${state.selected.size} selected` : '';
  return { text: printable(`epq tray  |  ${shown}${at}, ${describeView(state.view)}${selected}`), style: 'title' };
}

function listLines(state: TrayState, size: TerminalSize): TrayLine[] {
  const lines: TrayLine[] = statusLines(state.status).map((text) => ({ text, style: 'plain' }));
  lines.push({ text: '', style: 'plain' });
  if (state.visible.length === 0) {
    lines.push({ text: state.items.length === 0 ? 'The quarantine is empty.' : 'No item matches the filter; esc clears it.', style: 'dim' });
    return lines;
  }
  const rows = state.visible.map(itemCells);
  const widths = fitWidths([[...ITEM_COLUMNS], ...rows], size.columns - ROW_PREFIX);
  lines.push({ text: ' '.repeat(ROW_PREFIX) + layoutRow(ITEM_COLUMNS, widths), style: 'header' });
  const height = Math.max(1, size.rows - HEAD_LINES - 1 - FOOT_LINES);
  const top = state.cursor >= height ? state.cursor - height + 1 : 0;
  for (let i = top; i < Math.min(rows.length, top + height); i++) {
    const marked = state.selected.has(state.visible[i]!.id);
    const prefix = `${i === state.cursor ? '>' : ' '} [${marked ? 'x' : ' '}] `;
    lines.push({ text: prefix + layoutRow(rows[i]!, widths), style: i === state.cursor ? 'cursor' : marked ? 'selected' : 'plain' });
  }
  return lines;
}

/**
 * A scrollable page: an item's every detail, or the whole last message, wrapped to the width
 * so that nothing is lost to a cut.
 */
function readerLines(state: TrayState, columns: number, room: number, id: string | null, scroll: number): { lines: TrayLine[]; position: string } {
  let text: string[];
  if (id === null) text = [printable(state.message?.text ?? '')];
  else {
    const item = state.items.find((i) => i.id === id);
    text = item ? itemDetailLines(item) : [`Item ${printable(id)} is no longer in quarantine.`];
  }
  const wrapped = text.flatMap((t) => wrapToWidth(t, columns));
  const top = Math.max(0, Math.min(scroll, wrapped.length - room));
  const page = wrapped.slice(top, top + room).map((t): TrayLine => ({ text: t, style: id === null && state.message?.error ? 'error' : 'plain' }));
  const position = wrapped.length > room ? `lines ${top + 1}-${top + page.length} of ${wrapped.length}` : '';
  return { lines: page, position };
}

function footLines(state: TrayState, columns: number, position: string): TrayLine[] {
  const mode = state.mode;
  let prompt: TrayLine;
  if (mode.kind === 'confirm') prompt = { text: `${QUESTIONS[mode.action]} (y/n)${mode.ids.length > 1 ? ` [${mode.ids.length} files]` : ''}`, style: 'title' };
  else if (mode.kind === 'export') prompt = { text: `Export the selected files to folder: ${printable(mode.text)}_`, style: 'title' };
  else if (mode.kind === 'filter') prompt = { text: `Filter (name, virus, state): ${printable(mode.text)}_`, style: 'title' };
  else if (mode.kind === 'busy') prompt = { text: mode.text, style: 'plain' };
  else if (mode.kind === 'details' || mode.kind === 'message') prompt = { text: position, style: 'dim' };
  else prompt = state.message ? messageLine(state.message.text, state.message.error, columns) : { text: '', style: 'plain' };
  return [prompt, { text: legendFor(mode.kind, columns, state.message !== null), style: 'dim' }];
}

/** The message, or as much as fits with a hint that `m` shows the rest. */
function messageLine(text: string, error: boolean, columns: number): TrayLine {
  const safe = printable(text);
  const style = error ? 'error' : 'plain';
  if (displayWidth(safe) <= columns) return { text: safe, style };
  return { text: truncateToWidth(safe, columns - READ_ALL.length) + READ_ALL, style };
}

/** Pads `top` with blank lines so that `bottom` sits on the last rows; escapes and cuts every line to the width. */
function fill(top: readonly TrayLine[], size: TerminalSize, bottom: readonly TrayLine[] = []): TrayLine[] {
  const blank = Math.max(0, size.rows - top.length - bottom.length);
  const all = [...top, ...Array.from({ length: blank }, (): TrayLine => ({ text: '', style: 'plain' })), ...bottom].slice(0, size.rows);
  return all.map((l) => ({ ...l, text: truncateToWidth(printable(l.text), size.columns) }));
}

const SGR: Readonly<Record<LineStyle, string>> = {
  plain: '',
  title: '\x1b[7m',
  header: '\x1b[1m',
  cursor: '\x1b[7m',
  selected: '\x1b[1m',
  error: '\x1b[31;1m',
  dim: '\x1b[2m',
};

/** The line with its style as SGR escape codes; bars (title, cursor) span the whole width. */
export function toAnsi(line: TrayLine, columns: number): string {
  const sgr = SGR[line.style];
  if (sgr === '') return line.text;
  const text = line.style === 'title' || line.style === 'cursor' ? line.text + ' '.repeat(Math.max(0, columns - displayWidth(line.text))) : line.text;
  return `${sgr}${text}\x1b[0m`;
}
