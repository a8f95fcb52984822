import { formatBytes } from '../scan/format.js';
import type { ScanSummary } from '../scan/scan-tree.js';
import type { Detection } from '../../scanner/types.js';

export interface JsonDetection {
  path: string;
  signature: string;
  kind: 'hash' | 'body' | 'heuristic';
  offset?: number;
  /** Member inside an archive, nesting levels joined by `//` (e.g. `inner.zip//dir/eicar.com`). */
  member?: string;
}

/** The closing block of a text-mode scan. */
export function formatScanSummary(s: ScanSummary, label: string, signatures: number, quarantined: number | null): string {
  const rate = s.bytes / Math.max(s.seconds, 0.001);
  return [
    '',
    '----------- SCAN SUMMARY -----------',
    `Definitions:     ${label}, ${signatures} signatures`,
    `Scanned files:   ${s.files}`,
    `Scanned data:    ${formatBytes(s.bytes)}`,
    `Infected files:  ${s.infectedFiles}`,
    `Detections:      ${s.detections}`,
    ...(quarantined === null ? [] : [`Quarantined:     ${quarantined}`]),
    `Errors:          ${s.errors}`,
    `Skipped:         ${s.skipped}`,
    `Not looked into: ${s.incomplete} (archive limits, encrypted or unsupported members)`,
    `Time:            ${s.seconds.toFixed(3)} s (${formatBytes(rate)}/s)`,
    '',
  ].join('\n');
}

/**
 * The detections a text report prints for one file. Like clamscan, one line per infected file
 * unless `allMatch`: a hash match names the exact file, so it is the most specific; otherwise
 * the body match that starts first.
 */
export function pickReportedDetections(found: readonly Detection[], allMatch: boolean): readonly Detection[] {
  if (allMatch || found.length <= 1) return found;
  const ranked = [...found].sort((a, b) => rankOf(a) - rankOf(b));
  return ranked.slice(0, 1);
}

function rankOf(d: Detection): number {
  return d.kind === 'hash' ? -1 : (d.offset ?? Number.MAX_SAFE_INTEGER);
}

/** `PATH: NAME FOUND`, the line scripts grep for; the offset only when asked for (--verbose). */
export function formatDetectionLine(path: string, d: Detection, verbose: boolean): string {
  return `${path}: ${d.signature} FOUND${describeWhere({ ...(d.member !== undefined && { member: d.member }), ...(verbose && d.offset !== undefined && { offset: d.offset }) })}`;
}

/** A part of a file that was not looked into (an archive limit, an encrypted or unsupported member). */
export interface JsonNote {
  path: string;
  kind: string;
  signature: string;
  member: string;
  detail: string;
}

/** ` (offset 12)`, ` (in dir/a.com, offset 12)` or ` (in dir/a.com)`: where in the file the match is. */
export function describeWhere(d: { readonly member?: string; readonly offset?: number }): string {
  const parts = [...(d.member !== undefined ? [`in ${d.member}`] : []), ...(d.offset !== undefined ? [`offset ${d.offset}`] : [])];
  return parts.length > 0 ? ` (${parts.join(', ')})` : '';
}

/** `PATH: NAME NOT SCANNED (MEMBER): why`, the text line of a note. */
export function describeNote(n: JsonNote): string {
  return `${n.path}: ${n.signature} NOT SCANNED${n.member ? ` (${n.member})` : ''}: ${n.detail}`;
}
