import { displayWidth, padToWidth } from '../text/display-width.js';
import { printable } from '../text/printable.js';

/**
 * Renders rows as aligned columns under a header, for terminal listings. Cells are escaped
 * (a newline in a file name can't split a row) and aligned by display width (CJK, emoji).
 */
export function renderTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const safe = rows.map((r) => r.map((c) => printable(c)));
  const widths = header.map((h, i) => Math.max(displayWidth(h), ...safe.map((r) => displayWidth(r[i] ?? ''))));
  const line = (cells: readonly string[]): string => cells.map((c, i) => (i === cells.length - 1 ? c : padToWidth(c, widths[i]!))).join('  ').trimEnd();
  return [line(header), ...safe.map(line)].join('\n');
}
