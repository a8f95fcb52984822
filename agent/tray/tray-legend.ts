/**
 * The key legend at the bottom of the tray (pure). Entries have a priority: on a narrow
 * terminal the least needed go first, and `u` (update) and `q` (quit) never go.
 */
import { displayWidth } from '../text/display-width.js';
import type { TrayMode } from './tray-state.js';

interface LegendEntry {
  readonly text: string;
  /** 0 always stays; higher numbers are dropped first. */
  readonly priority: number;
}

const LIST: readonly LegendEntry[] = [
  { text: '↑↓ move', priority: 1 },
  { text: 'space select', priority: 3 },
  { text: '* all', priority: 6 },
  { text: 'r restore', priority: 2 },
  { text: 'd delete', priority: 2 },
  { text: 'e export', priority: 4 },
  { text: 'a allow', priority: 4 },
  { text: 'enter details', priority: 2 },
  { text: '/ filter', priority: 5 },
  { text: 's sort', priority: 5 },
  { text: 'o order', priority: 7 },
  { text: 'm message', priority: 6 },
  { text: 'u update', priority: 0 },
  { text: 'q quit', priority: 0 },
];

const OTHER: Readonly<Record<Exclude<TrayMode['kind'], 'list'>, readonly LegendEntry[]>> = {
  confirm: [{ text: 'y yes', priority: 0 }, { text: 'n no', priority: 0 }],
  export: [{ text: 'type a folder', priority: 1 }, { text: 'enter export', priority: 0 }, { text: 'esc cancel', priority: 0 }],
  filter: [{ text: 'type to filter', priority: 1 }, { text: 'enter keep', priority: 0 }, { text: 'esc clear', priority: 0 }],
  details: [{ text: '↑↓ pgup pgdn scroll', priority: 1 }, { text: 'esc/enter/q back', priority: 0 }],
  message: [{ text: '↑↓ pgup pgdn scroll', priority: 1 }, { text: 'esc/enter/q back', priority: 0 }],
  busy: [{ text: 'working...', priority: 0 }],
};

const GAP = '  ';

/** The legend for a mode, as many entries as fit in `columns`, in their usual order. */
export function legendFor(mode: TrayMode['kind'], columns: number, hasMessage: boolean): string {
  let entries = (mode === 'list' ? LIST : OTHER[mode]).filter((e) => hasMessage || e.text !== 'm message');
  const join = (list: readonly LegendEntry[]): string => list.map((e) => e.text).join(GAP);
  while (displayWidth(join(entries)) > columns) {
    const worst = Math.max(...entries.map((e) => e.priority));
    if (worst === 0) break;
    const at = entries.map((e) => e.priority).lastIndexOf(worst);
    entries = entries.filter((_, i) => i !== at);
  }
  return join(entries);
}
