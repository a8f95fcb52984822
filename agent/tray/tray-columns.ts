/**
 * Fitting the quarantine table into the terminal's width (pure). Columns have a priority: when
 * the width runs short the least important ones go first, and the file name keeps the most room.
 * Widths are display widths (CJK and emoji take two columns); every cell is escaped.
 */
import type { QuarantineItem } from '../quarantine/quarantine-item.js';
import { displayWidth, fitToWidth, truncateToWidth } from '../text/display-width.js';
import { formatLocalTime } from '../text/format-time.js';
import { printable } from '../text/printable.js';

/** The guide's quarantined-file columns, as `epq quarantine list` shows them. */
export const ITEM_COLUMNS = ['File name', 'User', 'Computer', 'Date quarantined', 'Status', 'State', 'Virus', 'Defs', 'Errors'] as const;

interface ColumnRule {
  /** 0 is kept longest; higher numbers are dropped first. */
  readonly priority: number;
  /** Narrowest useful width. */
  readonly min: number;
  /** A date is cut at the right (minutes stay), not marked with an ellipsis. */
  readonly cut?: boolean;
}

/** In ITEM_COLUMNS order. At 80 columns this keeps the name, the date, the state and the virus. */
const RULES: readonly ColumnRule[] = [
  { priority: 0, min: 16 },
  { priority: 5, min: 6 },
  { priority: 7, min: 8 },
  { priority: 2, min: 16, cut: true },
  { priority: 4, min: 11 },
  { priority: 3, min: 8 },
  { priority: 1, min: 12 },
  { priority: 8, min: 4 },
  { priority: 6, min: 6 },
];

const GAP = 2;
/** Share of the row the file name may claim before the other columns are given their room. */
const NAME_SHARE = 0.4;

/** One item's cells, in ITEM_COLUMNS order, escaped. */
export function itemCells(item: QuarantineItem): string[] {
  return [
    item.fileName,
    item.userName,
    item.computer,
    formatLocalTime(item.quarantinedAt),
    item.phase === 'restored' ? 'Restored' : item.status,
    item.state,
    item.virusName,
    String(item.definitionsSequence),
    item.errors.map((e) => e.word).join(',') || '-',
  ].map((c) => printable(c));
}

/** Cuts printable text to `width` columns, marking a cut with an ellipsis. */
export function truncate(text: string, width: number): string {
  return truncateToWidth(text, width);
}

/** Which columns show, and how wide each is (0 = dropped). */
export type ColumnWidths = readonly number[];

/**
 * Column widths that fit `available` columns, gaps included. The file name may first claim up
 * to 40% of the row (less if its names are shorter); then columns are kept by priority while
 * their narrowest widths fit; then the room left widens them towards their longest cell, most
 * important first, and the name takes what remains.
 */
export function fitWidths(rows: readonly (readonly string[])[], available: number): number[] {
  const natural = rows[0]!.map((_, i) => Math.max(...rows.map((r) => displayWidth(r[i] ?? ''))));
  const rules = natural.map((_, i) => RULES[i] ?? { priority: i, min: 4 });
  const minOf = (i: number): number => Math.min(natural[i]!, rules[i]!.min);
  const nameWant = Math.min(natural[0]!, Math.max(minOf(0), Math.floor(available * NAME_SHARE)));
  const byPriority = natural.map((_, i) => i).filter((i) => i !== 0).sort((a, b) => rules[a]!.priority - rules[b]!.priority);
  const widths = natural.map(() => 0);
  widths[0] = nameWant;
  let used = nameWant;
  for (const i of byPriority) {
    const need = minOf(i) + GAP;
    if (used + need > available) break;
    widths[i] = minOf(i);
    used += need;
  }
  for (const i of byPriority) {
    if (widths[i] === 0) continue;
    const grow = Math.min(natural[i]! - widths[i]!, available - used);
    widths[i]! += grow;
    used += grow;
  }
  widths[0]! += Math.max(0, Math.min(natural[0]! - widths[0]!, available - used));
  return widths;
}

/** The shown cells padded (or cut) to their widths and joined with the gap; dropped columns are left out. */
export function layoutRow(cells: readonly string[], widths: readonly number[]): string {
  const shown: string[] = [];
  cells.forEach((c, i) => {
    const w = widths[i] ?? 0;
    if (w === 0) return;
    const cell = RULES[i]?.cut && displayWidth(c) > w ? c.slice(0, w) : c;
    shown.push(fitToWidth(cell, w));
  });
  return shown.join(' '.repeat(GAP)).trimEnd();
}
