import { appendFile, readFile } from 'node:fs/promises';
import type { Detection } from '../../scanner/types.js';
import { printable } from '../text/printable.js';
import { writeBlock, writeLine } from '../text/terminal-lines.js';
import { isStdinOperand } from './stdin-operand.js';
import { describeNote, formatDetectionLine, pickReportedDetections, type JsonNote } from './scan-report.js';

/** The flags that shape a text report, the same for a scan here and one through the agent. */
export interface ReportFlags {
  readonly json: boolean;
  readonly summary: boolean;
  readonly allmatch: boolean;
  readonly verbose: boolean;
  readonly log?: string;
}

/** The scan's targets: `-` is standard input, and --file-list adds its lines. */
export interface Targets {
  readonly stdin: boolean;
  readonly paths: string[];
}

/**
 * The paths to scan.
 * @throws Error naming the list file when it can't be read.
 */
export async function readTargets(given: readonly string[], fileList: string | undefined): Promise<Targets> {
  const listed: string[] = [];
  if (fileList !== undefined) {
    const text = await readFile(fileList, 'utf8').catch((err: unknown) => {
      throw new Error(`cannot read the file list ${printable(fileList)}`, { cause: err });
    });
    for (const line of text.split('\n')) if (line.trim() !== '') listed.push(line.replace(/\r$/, ''));
  }
  return { stdin: given.some(isStdinOperand), paths: [...given.filter((p) => !isStdinOperand(p)), ...listed] };
}

/**
 * Fails before scanning, not after, when the log can't be written.
 * @throws Error naming the log file.
 */
export async function checkLogWritable(log: string | undefined): Promise<void> {
  if (log === undefined) return;
  await appendFile(log, '').catch((err: unknown) => {
    throw new Error(`cannot write the log file ${printable(log)}`, { cause: err });
  });
}

/**
 * The human lines of a scan: each escaped on the terminal (writeLine) and kept for --log.
 * `before` runs ahead of each line (the progress line clears itself).
 */
export class ScanPrinter {
  private readonly logLines: string[] = [];

  constructor(private readonly flags: ReportFlags, private readonly before: () => void = () => {}) {}

  say(line: string, stream: NodeJS.WritableStream = process.stdout): void {
    if (this.flags.json) return;
    this.before();
    writeLine(stream, line);
    this.logLines.push(line);
  }

  /** clamscan's one line per infected file (every match with --allmatch); `shownPath` is already printable. */
  sayFound(shownPath: string, found: readonly Detection[]): void {
    for (const d of pickReportedDetections(found, this.flags.allmatch)) this.say(formatDetectionLine(shownPath, d, this.flags.verbose));
  }

  /** A part of a file that was not looked into (an archive limit, an encrypted member). */
  sayNote(note: JsonNote): void {
    this.say(describeNote(note));
  }

  /**
   * Prints the closing report (a JSON object, or the summary block unless --no-summary) and
   * appends the whole report to --log.
   * @throws Error when the log can't be appended to.
   */
  async finish(json: () => string, summaryBlock: () => string): Promise<void> {
    const report = this.flags.json ? `${json()}\n` : this.flags.summary ? summaryBlock() : '';
    if (this.flags.json) process.stdout.write(report);
    else if (report !== '') writeBlock(process.stdout, report);
    if (this.flags.log === undefined) return;
    const text = this.flags.json ? report : `${this.logLines.map((l) => `${printable(l)}\n`).join('')}${report}`;
    await appendFile(this.flags.log, text);
  }
}
