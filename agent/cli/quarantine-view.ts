import type { QuarantineItem } from '../quarantine/quarantine-item.js';
import { formatBytes } from '../scan/format.js';
import { formatLocalTime } from '../text/format-time.js';
import { printable } from '../text/printable.js';
import { itemCells } from '../tray/tray-columns.js';
import { renderTable } from './table.js';

/** The guide's quarantined-file columns (Table 3-1), plus our id to act on. */
export function renderItemTable(items: readonly QuarantineItem[]): string {
  if (items.length === 0) return 'The quarantine is empty.';
  return renderTable(
    ['ID', 'File name', 'User', 'Computer', 'Date quarantined', 'Status', 'State', 'Virus', 'Defs', 'Errors'],
    items.map((i) => [i.id, ...itemCells(i)]),
  );
}

/**
 * Every recorded detail of one item, for `quarantine show` and the tray's details, one element
 * per line; every value is escaped, so none can add a line.
 */
export function itemDetailLines(i: QuarantineItem): string[] {
  return renderItemDetails(i).split('\n');
}

/** Every recorded detail of one item, as text; values escaped (see itemDetailLines). */
export function renderItemDetails(i: QuarantineItem): string {
  const lines = [
    ['ID', i.id],
    ['File name', i.fileName],
    ['Original path', i.originalPath],
    ['Size', `${i.size} bytes (${formatBytes(i.size)})`],
    ['SHA-256', i.sha256],
    ['Owner', `${i.userName} (uid ${i.uid}, gid ${i.gid})`],
    ['Mode', (i.mode & 0o7777).toString(8).padStart(4, '0')],
    ['Modified', formatLocalTime(i.mtimeMs)],
    ['Computer', i.computer],
    ['Date quarantined', formatLocalTime(i.quarantinedAt)],
    ['Status', i.phase === 'restored' ? `Restored ${i.restoredAt ? formatLocalTime(i.restoredAt) : ''} to ${i.restoreTarget ?? ''}` : i.status],
    ['State', i.state],
    ['Virus', i.virusName],
    ['Detections', i.detections.map((d) => `${d.signature}${d.offset !== undefined ? `@${d.offset}` : ''}`).join(', ')],
    ['Definitions sequence', String(i.definitionsSequence)],
    ['Original removed', i.originalRemoved ? 'yes' : 'no (it changed while being quarantined)'],
    ['Package size', `${i.packageSize} bytes`],
  ];
  const out = lines.map(([k, v]) => `${k!.padEnd(22)}${printable(v!)}`);
  out.push(`Side effects          ${i.sideEffects.length === 0 ? 'none' : ''}`);
  for (const e of i.sideEffects) out.push(printable(`  - ${e.kind} ${String(e['role'] ?? '')} ${e.path}${e['line'] !== undefined ? ` line ${Number(e['lineIndex']) + 1}: ${String(e['line'])}` : ''}${e.note ? ` (${e.note})` : ''}`));
  out.push(`Errors                ${i.errors.length === 0 ? 'none' : ''}`);
  for (const e of i.errors) out.push(printable(`  - ${e.word}: ${e.message} (${formatLocalTime(e.at)})`));
  return out.join('\n');
}
