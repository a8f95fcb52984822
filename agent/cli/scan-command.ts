import type { Argv } from 'yargs';
import { loadScanDefinitions } from '../../definitions/load-scan-definitions.js';
import { toYargsOptions } from '../options/option-spec.js';
import { JSON_OUTPUT_OPTION, SCAN_OPTIONS, SCAN_SOURCE_OPTIONS } from '../options/scan-options.js';
import { formatBytes } from '../scan/format.js';
import { ProgressLine } from '../scan/progress-line.js';
import { scanTree, type ScanEvent, type ScanSummary } from '../scan/scan-tree.js';
import type { SetExit } from './commands.js';
import { TRUSTED_KEYS_OPTION } from './defs-command.js';
import { EXIT_CLEAN, EXIT_DETECTIONS, EXIT_ERROR } from './exit-codes.js';

interface ScanArgs {
  paths: string[];
  json: boolean;
  exclude: string[];
  'max-filesize': number;
  'follow-symlinks': boolean;
  jobs: number;
  defs?: string;
  'clamav-db'?: string;
  pub?: string[];
}

interface JsonDetection {
  path: string;
  signature: string;
  kind: 'hash' | 'body';
  offset?: number;
}

/**
 * `epq scan PATH...`: scan files and folders and report. Exit 0 clean, 1 detections (even if
 * some files could not be read), 2 errors without detections.
 */
export function registerScanCommand(parser: Argv, setExit: SetExit): void {
  parser.command(
    'scan <paths..>',
    'Scan files and folders for threats',
    (y) =>
      y
        .positional('paths', { describe: 'Files or folders to scan', type: 'string', array: true })
        .options(toYargsOptions([...SCAN_OPTIONS, ...SCAN_SOURCE_OPTIONS, TRUSTED_KEYS_OPTION, JSON_OUTPUT_OPTION]))
        .epilog('Exit status: 0 nothing found, 1 detections, 2 errors (and no detections).'),
    async (argv) => setExit(await runScan(argv as unknown as ScanArgs)),
  );
}

async function runScan(args: ScanArgs): Promise<number> {
  const defs = await loadScanDefinitions({
    ...(args.defs !== undefined && { defsFile: args.defs }),
    ...(args.pub !== undefined && { trustedKeyFiles: args.pub }),
    ...(args['clamav-db'] !== undefined && { clamavDbDir: args['clamav-db'] }),
  });
  const out = process.stdout;
  const progress = !args.json && process.stderr.isTTY ? new ProgressLine(process.stderr) : null;
  const detections: JsonDetection[] = [];
  const errors: { path: string; code?: string; message: string }[] = [];
  const printAbove = (line: string): void => {
    progress?.clear();
    out.write(`${line}\n`);
  };
  const onEvent = (e: ScanEvent): void => {
    if (e.type === 'found') progress?.addFound(e.size);
    else if (e.type === 'scanned') {
      progress?.addScanned(e.size, e.detections.length);
      for (const d of e.detections) {
        detections.push({ path: e.path, signature: d.signature, kind: d.kind, ...(d.offset !== undefined && { offset: d.offset }) });
        if (!args.json) printAbove(`${e.path}: ${d.signature} FOUND${d.offset !== undefined ? ` (offset ${d.offset})` : ''}`);
      }
    } else if (e.type === 'error') {
      errors.push({ path: e.path, ...(e.code !== undefined && { code: e.code }), message: e.message });
      if (!args.json) {
        progress?.clear();
        process.stderr.write(`${e.path}: ERROR ${e.message}\n`);
      }
    }
  };
  const summary = await scanTree(defs.database, {
    paths: args.paths,
    jobs: args.jobs,
    followSymlinks: args['follow-symlinks'],
    exclude: args.exclude,
    maxFileSize: args['max-filesize'],
  }, onEvent);
  progress?.clear();
  if (args.json) {
    detections.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : a.signature < b.signature ? -1 : 1));
    out.write(`${JSON.stringify({ definitions: { label: defs.label, sequence: defs.sequence, signatures: defs.signatureCount }, detections, errors, summary })}\n`);
  } else {
    out.write(formatSummary(summary, defs.label, defs.signatureCount));
  }
  if (summary.detections > 0) return EXIT_DETECTIONS;
  return summary.errors > 0 ? EXIT_ERROR : EXIT_CLEAN;
}

function formatSummary(s: ScanSummary, label: string, signatures: number): string {
  const rate = s.bytes / Math.max(s.seconds, 0.001);
  return [
    '',
    '----------- SCAN SUMMARY -----------',
    `Definitions:     ${label}, ${signatures} signatures`,
    `Scanned files:   ${s.files}`,
    `Scanned data:    ${formatBytes(s.bytes)}`,
    `Infected files:  ${s.infectedFiles}`,
    `Detections:      ${s.detections}`,
    `Errors:          ${s.errors}`,
    `Skipped:         ${s.skipped}`,
    `Time:            ${s.seconds.toFixed(3)} s (${formatBytes(rate)}/s)`,
    '',
  ].join('\n');
}
