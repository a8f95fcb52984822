/** Fitting the quarantine table into the terminal's width (pure). */
import type { QuarantineItem } from '../quarantine/quarantine-item.js';

/** The guide's quarantined-file columns, as `epq quarantine list` shows them. */
export const ITEM_COLUMNS = ['File name', 'User', 'Computer', 'Date quarantined', 'Status', 'State', 'Virus', 'Defs', 'Errors'] as const;

const GAP = 2;
const MIN_WIDTH = 4;

/** One item's cells, in ITEM_COLUMNS order. */
export function itemCells(item: QuarantineItem): string[] {
  return [
    item.fileName,
    item.userName,
    item.computer,
    item.quarantinedAt.replace('T', ' ').slice(0, 19),
    item.phase === 'restored' ? 'Restored' : item.status,
    item.state,
    item.virusName,
    String(item.definitionsSequence),
    item.errors.map((e) => e.word).join(',') || '-',
  ];
}

/** Cuts text to `width` characters, marking a cut with an ellipsis. */
export function truncate(text: string, width: number): string {
  if (width <= 0) return '';
  if (text.length <= width) return text;
  return width === 1 ? '…' : `${text.slice(0, width - 1)}…`;
}

/**
 * Column widths that fit `available` characters (gaps included): each column's natural width
 * (its longest cell), then the widest column is narrowed one character at a time, so long file
 * and virus names give way before short columns do. Columns never go below a few characters;
 * if even that does not fit, the caller's lines are cut at the edge.
 */
export function fitWidths(rows: readonly (readonly string[])[], available: number): number[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  const total = (): number => widths.reduce((a, b) => a + b, 0) + GAP * (widths.length - 1);
  while (total() > available) {
    let widest = 0;
    for (let i = 1; i < widths.length; i++) if (widths[i]! > widths[widest]!) widest = i;
    if (widths[widest]! <= MIN_WIDTH) break;
    widths[widest]! -= 1;
  }
  return widths;
}

/** Cells padded (or cut) to their widths and joined with the gap. */
export function layoutRow(cells: readonly string[], widths: readonly number[]): string {
  return cells.map((c, i) => truncate(c, widths[i]!).padEnd(widths[i]!)).join(' '.repeat(GAP)).trimEnd();
}
