import type { OptionSpec } from './option-spec.js';

/** Options of a scan; the agent's config uses the same keys for its on-access scans. */
export const SCAN_OPTIONS: readonly OptionSpec[] = [
  { key: 'scan.exclude', flag: 'exclude', type: 'strings', default: [], help: 'Glob of paths not to scan; without "/" it matches a name at any depth (repeatable)' },
  { key: 'scan.maxFileSize', flag: 'max-filesize', type: 'size', default: 0, help: 'Skip files larger than this (e.g. 100M); 0 = no limit' },
  { key: 'scan.followSymlinks', flag: 'follow-symlinks', type: 'boolean', default: false, help: 'Follow symbolic links inside folders (links named on the command line are always followed)' },
  { key: 'scan.archives', flag: 'scan-archive', type: 'boolean', default: true, help: 'Look into zip, gzip, bzip2 and tar files (nested) and scan their members' },
  { key: 'scan.maxScanSize', flag: 'max-scansize', type: 'size', min: 1, default: 100 * 1024 * 1024, help: 'Decompressed bytes scanned in all the members of one file' },
  { key: 'scan.maxMemberSize', flag: 'max-member-size', type: 'size', min: 1, default: 25 * 1024 * 1024, help: 'A member of an archive bigger than this is not scanned' },
  { key: 'scan.maxFiles', flag: 'max-files', type: 'number', integer: true, min: 1, default: 10_000, help: 'Members scanned in one file, at every depth' },
  { key: 'scan.maxRecursion', flag: 'max-recursion', type: 'number', integer: true, min: 1, default: 16, help: 'Archives inside archives looked into' },
  { key: 'scan.maxScanTime', flag: 'max-scantime', type: 'duration', min: 1, default: 120_000, help: 'Time spent looking into one file\'s archives' },
  { key: 'scan.alertExceedsMax', flag: 'alert-exceeds-max', type: 'boolean', default: false, help: 'Report a file whose archive went past a limit as a detection (Heuristics.Limits.Exceeded.*)' },
  { key: 'scan.jobs', flag: 'jobs', alias: 'j', type: 'number', default: 0, help: 'Worker threads; 0 = one per core' },
];

/** Where a one-off scan takes its signatures from (default: the built-in set). */
export const SCAN_SOURCE_OPTIONS: readonly OptionSpec[] = [
  { key: 'scan.defs', flag: 'defs', type: 'string', default: undefined, help: 'Scan with this signed definitions package (needs --pub)' },
  { key: 'scan.clamavDb', flag: 'clamav-db', type: 'string', default: undefined, help: 'Scan with the ClamAV text signature files (.hdb .hsb .ndb .fp .sfp .ign2) in this folder' },
];

export const JSON_OUTPUT_OPTION: OptionSpec = { key: 'output.json', flag: 'json', type: 'boolean', default: false, help: 'Print the result as one JSON object' };

/**
 * Flags of `epq scan` only (not config keys), spelled as clamscan spells them so that an admin's
 * habits and scripts carry over.
 */
export const SCAN_CLI_OPTIONS: readonly OptionSpec[] = [
  { key: 'cli.scan.recursive', flag: 'recursive', alias: 'r', type: 'boolean', default: false, help: 'Accepted for clamscan habits: epq always scans folders recursively' },
  { key: 'cli.scan.infected', flag: 'infected', alias: 'i', type: 'boolean', default: false, help: 'Print only infected files (epq never prints clean files, so this is the default; accepted for clamscan habits)' },
  { key: 'cli.scan.fileList', flag: 'file-list', alias: 'f', type: 'string', default: undefined, format: 'path', help: 'Also scan the paths listed in this file, one per line' },
  { key: 'cli.scan.log', flag: 'log', alias: 'l', type: 'string', default: undefined, format: 'path', help: 'Append the report (detections, errors, summary) to this file' },
  { key: 'cli.scan.summary', flag: 'summary', type: 'boolean', default: true, help: 'Print the summary block at the end (--no-summary to leave it out)' },
  { key: 'cli.scan.allmatch', flag: 'allmatch', alias: 'z', type: 'boolean', default: false, help: 'Print every matching signature of a file, not just the most specific one' },
  { key: 'cli.scan.verbose', flag: 'verbose', alias: 'v', type: 'boolean', default: false, help: 'Also print where in the file a body signature matched' },
  { key: 'cli.scan.move', flag: 'move', type: 'string', default: undefined, format: 'path', help: 'clamscan alias: move infected files into this folder, as they are (unencrypted, no side effects undone, no restore); prefer --action quarantine' },
  { key: 'cli.scan.copy', flag: 'copy', type: 'string', default: undefined, format: 'path', help: 'clamscan alias: copy infected files into this folder and leave them in place; prefer --action quarantine' },
  { key: 'cli.scan.remove', flag: 'remove', type: 'boolean', default: false, help: 'clamscan alias of --action quarantine: the file is removed from its place, but an encrypted copy stays in the quarantine so a false positive can be restored (epq never deletes without one; `epq quarantine delete` purges)' },
];
