/**
 * The tray view's state and how keys change it: pure functions, so that every key's effect can
 * be tested without a terminal. The I/O side (run-tray.ts) carries out the returned effects.
 */
import type { QuarantineItem } from '../quarantine/quarantine-item.js';
import type { AgentSummary } from '../status/status-reader.js';
import { DEFAULT_VIEW, SORT_KEYS, visibleItems, type ListView } from './tray-view.js';

/** The tray's header shows what `epq status` shows. */
export type TrayStatus = AgentSummary;

/** Actions that ask "Are you sure...?" first. */
export type ConfirmedAction = 'restore' | 'delete' | 'allow';

export type TrayMode =
  | { readonly kind: 'list' }
  | { readonly kind: 'confirm'; readonly action: ConfirmedAction; readonly ids: readonly string[] }
  | { readonly kind: 'export'; readonly ids: readonly string[]; readonly text: string }
  | { readonly kind: 'details'; readonly id: string; readonly scroll: number }
  | { readonly kind: 'message'; readonly scroll: number }
  | { readonly kind: 'filter'; readonly text: string }
  | { readonly kind: 'busy'; readonly text: string };

export interface TrayMessage {
  readonly text: string;
  readonly error: boolean;
}

export interface TrayState {
  readonly status: TrayStatus | null;
  /** The items in quarantine, oldest first (as the store lists them). */
  readonly items: readonly QuarantineItem[];
  /** Sort and filter of the list. */
  readonly view: ListView;
  /** The items the list shows (items through the view); the cursor indexes these. */
  readonly visible: readonly QuarantineItem[];
  readonly cursor: number;
  /** Ids marked with space; when none are, actions apply to the item under the cursor. */
  readonly selected: ReadonlySet<string>;
  readonly mode: TrayMode;
  readonly message: TrayMessage | null;
}

/** What the I/O side must do after a key. */
export type TrayEffect =
  | { readonly kind: ConfirmedAction; readonly ids: readonly string[] }
  | { readonly kind: 'export'; readonly ids: readonly string[]; readonly dir: string }
  | { readonly kind: 'update' }
  | { readonly kind: 'quit' };

/** A key as node's readline `keypress` event describes it. */
export interface TrayKey {
  readonly name?: string | undefined;
  readonly sequence?: string | undefined;
  readonly ctrl?: boolean | undefined;
  readonly meta?: boolean | undefined;
}

export interface KeyOutcome {
  readonly state: TrayState;
  readonly effect: TrayEffect | null;
}

export const QUESTIONS: Readonly<Record<ConfirmedAction, string>> = {
  restore: 'Are you sure you want to restore the selected files?',
  delete: 'Are you sure you want to delete the selected files?',
  allow: 'Are you sure you want to allow the selected files? An exception for their SHA-256 restores them.',
};

const CANCELLED: Readonly<Record<ConfirmedAction | 'export', string>> = {
  restore: 'Nothing restored.',
  delete: 'Nothing deleted.',
  allow: 'No exception added.',
  export: 'Nothing exported.',
};

export function initialState(items: readonly QuarantineItem[], status: TrayStatus | null): TrayState {
  return { status, items, view: DEFAULT_VIEW, visible: visibleItems(items, DEFAULT_VIEW), cursor: 0, selected: new Set(), mode: { kind: 'list' }, message: null };
}

/**
 * The ids an action applies to: the marked items the list shows (in list order), else the one
 * under the cursor. A marked item hidden by the filter is not acted on.
 */
export function targetIds(state: TrayState): string[] {
  if (state.selected.size > 0) return state.visible.filter((i) => state.selected.has(i.id)).map((i) => i.id);
  const item = state.visible[state.cursor];
  return item ? [item.id] : [];
}

/** A new sort or filter: the cursor stays on the same item when it is still shown. */
export function withView(state: TrayState, view: ListView): TrayState {
  return placeCursor(state, state.items, visibleItems(state.items, view), { view });
}

function placeCursor(state: TrayState, items: readonly QuarantineItem[], visible: readonly QuarantineItem[], extra: Partial<TrayState> = {}): TrayState {
  const current = state.visible[state.cursor]?.id;
  const at = current === undefined ? -1 : visible.findIndex((i) => i.id === current);
  const cursor = at >= 0 ? at : Math.max(0, Math.min(state.cursor, visible.length - 1));
  return { ...state, ...extra, items, visible, cursor };
}

/**
 * New items from the store: the cursor stays on the same item when it is still there, marks of
 * items that left the quarantine are dropped, and details of a gone item close.
 */
export function withItems(state: TrayState, items: readonly QuarantineItem[]): TrayState {
  const ids = new Set(items.map((i) => i.id));
  const selected = new Set([...state.selected].filter((id) => ids.has(id)));
  const mode = state.mode.kind === 'details' && !ids.has(state.mode.id) ? { kind: 'list' as const } : state.mode;
  return placeCursor(state, items, visibleItems(items, state.view), { selected, mode });
}

/** Applies one key. Keys that mean nothing in the current mode leave the state as it is. */
export function handleKey(state: TrayState, key: TrayKey): KeyOutcome {
  if (key.ctrl && key.name === 'c') return { state, effect: { kind: 'quit' } };
  switch (state.mode.kind) {
    case 'list':
      return listKey(state, key);
    case 'confirm':
      return confirmKey(state, state.mode, key);
    case 'export':
      return exportKey(state, state.mode, key);
    case 'details':
    case 'message':
      return { state: isBack(key) ? { ...state, mode: { kind: 'list' } } : { ...state, mode: { ...state.mode, scroll: scrolled(state.mode.scroll, key) } }, effect: null };
    case 'filter':
      return filterKey(state, state.mode, key);
    case 'busy':
      return { state, effect: null };
  }
}

function listKey(state: TrayState, key: TrayKey): KeyOutcome {
  const last = Math.max(0, state.visible.length - 1);
  const move = (cursor: number): KeyOutcome => ({ state: { ...state, cursor: Math.max(0, Math.min(cursor, last)), message: null }, effect: null });
  const ch = key.sequence;
  if (key.name === 'up' || ch === 'k') return move(state.cursor - 1);
  if (key.name === 'down' || ch === 'j') return move(state.cursor + 1);
  if (key.name === 'home' || ch === 'g') return move(0);
  if (key.name === 'end' || ch === 'G') return move(last);
  if (key.name === 'pageup') return move(state.cursor - 10);
  if (key.name === 'pagedown') return move(state.cursor + 10);
  if (ch === 'q') return { state, effect: { kind: 'quit' } };
  if (ch === 'u') return { state: { ...state, message: null }, effect: { kind: 'update' } };
  if (ch === 'm' && state.message) return { state: { ...state, mode: { kind: 'message', scroll: 0 } }, effect: null };
  if (ch === 's') return { state: withView(state, { ...state.view, sort: SORT_KEYS[(SORT_KEYS.indexOf(state.view.sort) + 1) % SORT_KEYS.length]! }), effect: null };
  if (ch === 'o') return { state: withView(state, { ...state.view, descending: !state.view.descending }), effect: null };
  if (ch === '/') return { state: { ...state, mode: { kind: 'filter', text: state.view.filter }, message: null }, effect: null };
  if (key.name === 'escape' && state.view.filter !== '') return { state: withView(state, { ...state.view, filter: '' }), effect: null };
  if (state.visible.length === 0) {
    const acts = ch === ' ' || ch === '*' || ch === 'r' || ch === 'd' || ch === 'e' || ch === 'a' || key.name === 'return';
    const text = state.items.length === 0 ? 'The quarantine is empty.' : 'No item matches the filter (esc clears it).';
    return { state: acts ? { ...state, message: { text, error: false } } : state, effect: null };
  }
  if (ch === ' ') return { state: { ...state, selected: toggled(state.selected, state.visible[state.cursor]!.id), message: null }, effect: null };
  if (ch === '*') return { state: { ...state, selected: allOrNone(state), message: null }, effect: null };
  if (key.name === 'return') return { state: { ...state, mode: { kind: 'details', id: state.visible[state.cursor]!.id, scroll: 0 } }, effect: null };
  const action = ({ r: 'restore', d: 'delete', a: 'allow' } as const)[ch as 'r' | 'd' | 'a'];
  if (action) return { state: { ...state, mode: { kind: 'confirm', action, ids: targetIds(state) }, message: null }, effect: null };
  if (ch === 'e') return { state: { ...state, mode: { kind: 'export', ids: targetIds(state), text: '' }, message: null }, effect: null };
  return { state, effect: null };
}

/** Only y goes ahead; n, q and escape cancel; any other key keeps the question up. */
function confirmKey(state: TrayState, mode: Extract<TrayMode, { kind: 'confirm' }>, key: TrayKey): KeyOutcome {
  const ch = key.sequence?.toLowerCase();
  if (ch === 'y') return { state: { ...state, mode: { kind: 'list' } }, effect: { kind: mode.action, ids: mode.ids } };
  if (ch === 'n' || ch === 'q' || key.name === 'escape') {
    return { state: { ...state, mode: { kind: 'list' }, message: { text: CANCELLED[mode.action], error: false } }, effect: null };
  }
  return { state, effect: null };
}

function exportKey(state: TrayState, mode: Extract<TrayMode, { kind: 'export' }>, key: TrayKey): KeyOutcome {
  if (key.name === 'escape') return { state: { ...state, mode: { kind: 'list' }, message: { text: CANCELLED.export, error: false } }, effect: null };
  if (key.name === 'return') {
    const dir = mode.text.trim();
    if (dir === '') return { state, effect: null };
    return { state: { ...state, mode: { kind: 'list' } }, effect: { kind: 'export', ids: mode.ids, dir } };
  }
  if (key.name === 'backspace') return { state: { ...state, mode: { ...mode, text: mode.text.slice(0, -1) } }, effect: null };
  const ch = key.sequence;
  if (ch !== undefined && !key.ctrl && !key.meta && isPrintable(ch)) return { state: { ...state, mode: { ...mode, text: mode.text + ch } }, effect: null };
  return { state, effect: null };
}

/** Typing the filter: the list follows each key; enter keeps it, escape clears it. */
function filterKey(state: TrayState, mode: Extract<TrayMode, { kind: 'filter' }>, key: TrayKey): KeyOutcome {
  if (key.name === 'escape') return { state: { ...withView(state, { ...state.view, filter: '' }), mode: { kind: 'list' } }, effect: null };
  if (key.name === 'return') return { state: { ...state, mode: { kind: 'list' } }, effect: null };
  let text = mode.text;
  if (key.name === 'backspace') text = text.slice(0, -1);
  else if (key.sequence !== undefined && !key.ctrl && !key.meta && isPrintable(key.sequence)) text += key.sequence;
  else return { state, effect: null };
  return { state: { ...withView(state, { ...state.view, filter: text }), mode: { kind: 'filter', text } }, effect: null };
}

/** Lines moved by a key in a scrollable view; the renderer keeps the result in range. */
function scrolled(scroll: number, key: TrayKey): number {
  const by = key.name === 'up' || key.sequence === 'k' ? -1
    : key.name === 'down' || key.sequence === 'j' ? 1
    : key.name === 'pageup' ? -10
    : key.name === 'pagedown' || key.sequence === ' ' ? 10
    : key.name === 'home' || key.sequence === 'g' ? -Infinity
    : key.name === 'end' || key.sequence === 'G' ? Infinity : 0;
  return Math.max(0, Math.min(scroll + by, 1_000_000));
}

function isBack(key: TrayKey): boolean {
  return key.name === 'escape' || key.name === 'return' || key.name === 'backspace' || key.sequence === 'q';
}

/** Printable text, including what a paste delivers at once, without control characters. */
function isPrintable(text: string): boolean {
  return text.length > 0 && !/[\u0000-\u001f\u007f]/.test(text);
}

function toggled(set: ReadonlySet<string>, id: string): Set<string> {
  const next = new Set(set);
  if (!next.delete(id)) next.add(id);
  return next;
}

function allOrNone(state: TrayState): Set<string> {
  const shown = state.visible.map((i) => i.id);
  return shown.every((id) => state.selected.has(id)) ? new Set() : new Set(shown);
}
