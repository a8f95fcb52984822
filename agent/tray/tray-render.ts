/**
 * The tray view as lines of text (pure: state and terminal size in, lines out). Styles are
 * named, not escape codes, so tests read the text; `toAnsi` turns a line into what is written.
 */
import { renderItemDetails } from '../cli/quarantine-view.js';
import { fitWidths, ITEM_COLUMNS, itemCells, layoutRow, truncate } from './tray-columns.js';
import { QUESTIONS, type TrayState, type TrayStatus } from './tray-state.js';

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

const KEYS = {
  list: '↑↓/jk move  space select  * all  r restore  d delete  e export  a allow  enter details  u update  q quit',
  confirm: 'y yes  n no',
  export: 'type a folder  enter export  esc cancel',
  details: 'esc/enter/q back',
  busy: 'working...',
} as const;

/** Every line of the screen, exactly `size.rows` of them, none wider than `size.columns`. */
export function renderTray(state: TrayState, size: TerminalSize): TrayLine[] {
  if (size.columns < MIN_SIZE.columns || size.rows < MIN_SIZE.rows) {
    return fill([{ text: `Need ${MIN_SIZE.columns}x${MIN_SIZE.rows} or more; q quits`, style: 'error' }], size);
  }
  const body = state.mode.kind === 'details' ? detailsLines(state, state.mode.id, size) : listLines(state, size);
  return fill([titleLine(state), ...body.slice(0, size.rows - 1 - FOOT_LINES)], size, footLines(state));
}

/** The status header: agent, definitions, last update check, protected folders. */
export function statusLines(status: TrayStatus | null): string[] {
  if (!status) return ['Reading the agent status...', '', '', ''];
  const d = status.definitions;
  const created = d.created ? `, created ${shortDate(d.created)}` : '';
  const check = status.lastUpdateCheck;
  const checkText = check ? `${shortDate(check.at)} ${check.result}${check.reason ? ` (${check.reason})` : ''}` : 'never';
  return [
    `Agent:              ${status.running ? `running (pid ${status.pid ?? '?'})` : 'not running'}`,
    `Definitions:        ${d.builtin ? `built-in, sequence ${d.sequence}` : `sequence ${d.sequence}`}${created}`,
    `Last update check:  ${checkText}${status.updateSource === null ? ' (no definitions source configured)' : ''}`,
    `Protected folders:  ${status.watched.join(', ') || 'none'}`,
  ];
}

function titleLine(state: TrayState): TrayLine {
  const counts = `${state.items.length} item(s) in quarantine${state.selected.size > 0 ? `, ${state.selected.size} selected` : ''}`;
  return { text: `epq tray: local quarantine  |  ${counts}`, style: 'title' };
}

function listLines(state: TrayState, size: TerminalSize): TrayLine[] {
  const lines: TrayLine[] = statusLines(state.status).map((text) => ({ text, style: 'plain' }));
  lines.push({ text: '', style: 'plain' });
  if (state.items.length === 0) {
    lines.push({ text: 'The quarantine is empty.', style: 'dim' });
    return lines;
  }
  const rows = state.items.map(itemCells);
  const widths = fitWidths([[...ITEM_COLUMNS], ...rows], size.columns - ROW_PREFIX);
  lines.push({ text: ' '.repeat(ROW_PREFIX) + layoutRow(ITEM_COLUMNS, widths), style: 'header' });
  const height = Math.max(1, size.rows - HEAD_LINES - 1 - FOOT_LINES);
  const top = state.cursor >= height ? state.cursor - height + 1 : 0;
  for (let i = top; i < Math.min(rows.length, top + height); i++) {
    const marked = state.selected.has(state.items[i]!.id);
    const prefix = `${i === state.cursor ? '>' : ' '} [${marked ? 'x' : ' '}] `;
    lines.push({ text: prefix + layoutRow(rows[i]!, widths), style: i === state.cursor ? 'cursor' : marked ? 'selected' : 'plain' });
  }
  return lines;
}

function detailsLines(state: TrayState, id: string, size: TerminalSize): TrayLine[] {
  const item = state.items.find((i) => i.id === id);
  const text = item ? renderItemDetails(item) : `Item ${id} is no longer in quarantine.`;
  const lines = text.split('\n').map((t): TrayLine => ({ text: t, style: 'plain' }));
  const room = size.rows - 1 - FOOT_LINES;
  return lines.length > room ? [...lines.slice(0, room - 1), { text: `... ${lines.length - room + 1} more line(s): epq quarantine show ${id}`, style: 'dim' }] : lines;
}

function footLines(state: TrayState): TrayLine[] {
  const mode = state.mode;
  let prompt: TrayLine;
  if (mode.kind === 'confirm') prompt = { text: `${QUESTIONS[mode.action]} (y/n)${mode.ids.length > 1 ? ` [${mode.ids.length} files]` : ''}`, style: 'title' };
  else if (mode.kind === 'export') prompt = { text: `Export the selected files to folder: ${mode.text}_`, style: 'title' };
  else if (mode.kind === 'busy') prompt = { text: mode.text, style: 'plain' };
  else prompt = state.message ? { text: state.message.text, style: state.message.error ? 'error' : 'plain' } : { text: '', style: 'plain' };
  return [prompt, { text: KEYS[mode.kind], style: 'dim' }];
}

/** Pads `top` with blank lines so that `bottom` sits on the last rows; cuts every line to the width. */
function fill(top: readonly TrayLine[], size: TerminalSize, bottom: readonly TrayLine[] = []): TrayLine[] {
  const blank = Math.max(0, size.rows - top.length - bottom.length);
  const all = [...top, ...Array.from({ length: blank }, (): TrayLine => ({ text: '', style: 'plain' })), ...bottom].slice(0, size.rows);
  return all.map((l) => ({ ...l, text: truncate(l.text, size.columns) }));
}

function shortDate(iso: string): string {
  return iso.replace('T', ' ').slice(0, 16);
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
  const text = line.style === 'title' || line.style === 'cursor' ? line.text.padEnd(columns) : line.text;
  return `${sgr}${text}\x1b[0m`;
}
