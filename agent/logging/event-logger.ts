/**
 * The agent's event log, with winston: JSON lines in a rotated file, and on the console either
 * readable coloured lines (a terminal) or plain lines for the journal (under systemd).
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import winston from 'winston';
import type { AgentEvent, EventSeverity, EventSink } from '../events/agent-event.js';
import type { LogLevel } from '../options/agent-options.js';
import { RotatingFileTransport } from './rotating-file.js';
import { formatLocalTime } from '../text/format-time.js';
import { printable } from '../text/printable.js';

export type ConsoleMode = 'terminal' | 'systemd' | 'none';

export interface EventLoggerOptions {
  /** JSON-lines log file; null = none. Its folder is created if missing. */
  readonly file: string | null;
  /** Least severe events written. */
  readonly level: LogLevel;
  /** Rotate the file before a line would take it past this many bytes; 0 = never. */
  readonly maxSize: number;
  /** Files kept, the current one included (epq.log, epq1.log, ...). */
  readonly maxFiles: number;
  /** Console output; `detectConsoleMode()` picks one. */
  readonly console: ConsoleMode;
  /** Where console lines go; default stdout. */
  readonly stream?: NodeJS.WritableStream;
  /** Colour terminal lines; default: the stream is a TTY and NO_COLOR is not set. */
  readonly colors?: boolean;
}

export interface EventLogger {
  readonly sink: EventSink;
  /** Flushes and closes the log file; events after it are dropped. */
  close(): Promise<void>;
}

/** One line of the log file. */
export interface LoggedEvent extends AgentEvent {
  /** ISO 8601, UTC. */
  readonly time: string;
}

/** The log file can't be created or written; names the path. */
export class LogFileError extends Error {
  override name = 'LogFileError';

  constructor(readonly path: string, cause: unknown) {
    super(`cannot write the log file ${path}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

const LEVELS: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };
const LEVEL_OF: Record<EventSeverity, LogLevel> = { error: 'error', warning: 'warn', info: 'info' };
/** syslog priorities, which journald reads from a `<N>` line prefix. */
const JOURNAL_PRIORITY: Record<LogLevel, number> = { error: 3, warn: 4, info: 6, debug: 7 };
const ANSI: Record<LogLevel, string> = { error: '\x1b[31m', warn: '\x1b[33m', info: '\x1b[32m', debug: '\x1b[90m' };

/** Where the event travels inside winston's info object. */
const EVENT = Symbol('epq event');
const TIME = Symbol('epq time');
interface EventInfo extends winston.Logform.TransformableInfo {
  [EVENT]: AgentEvent;
  [TIME]: Date;
}

/** 'systemd' when the service manager started us (it sets INVOCATION_ID / JOURNAL_STREAM), else 'terminal'. */
export function detectConsoleMode(env: NodeJS.ProcessEnv = process.env): ConsoleMode {
  return env.INVOCATION_ID || env.JOURNAL_STREAM ? 'systemd' : 'terminal';
}

/**
 * Creates the event logger. The log file is opened at once, so a path that can't be written is
 * an error here rather than lost lines later.
 * @throws LogFileError naming the path.
 */
export function createEventLogger(options: EventLoggerOptions): EventLogger {
  const transports: winston.transport[] = [];
  let fileTransport: RotatingFileTransport | undefined;
  if (options.file !== null) {
    try {
      mkdirSync(dirname(options.file), { recursive: true, mode: 0o750 });
      fileTransport = new RotatingFileTransport({
        file: options.file,
        maxSize: options.maxSize,
        maxFiles: options.maxFiles,
        format: winston.format.printf((info) => JSON.stringify(fileRecord(info as EventInfo))),
      });
    } catch (err) {
      throw new LogFileError(options.file, err);
    }
    transports.push(fileTransport);
  }
  if (options.console !== 'none') {
    const stream = options.stream ?? process.stdout;
    const colors = options.colors ?? ((stream as { isTTY?: boolean }).isTTY === true && !process.env.NO_COLOR);
    const line = options.console === 'systemd' ? journalLine : (info: EventInfo) => terminalLine(info, colors);
    transports.push(new winston.transports.Stream({ stream, eol: '\n', format: winston.format.printf((info) => line(info as EventInfo)) }));
  }

  const logger = winston.createLogger({ levels: LEVELS, level: options.level, transports, exitOnError: false });
  let reported = false;
  const onError = (err: unknown): void => {
    // Logging must never stop the agent; say once on stderr that the file is failing.
    if (reported) return;
    reported = true;
    process.stderr.write(`epq: ${new LogFileError(options.file ?? '(console)', err).message}\n`);
  };
  logger.on('error', onError);
  fileTransport?.on('error', onError);

  let closed: Promise<void> | undefined;
  const sink: EventSink = (event) => {
    if (closed) return;
    const info = { level: LEVEL_OF[event.severity], message: event.message, [EVENT]: event, [TIME]: new Date() };
    logger.log(info as winston.LogEntry);
  };

  return {
    sink,
    close() {
      closed ??= new Promise<void>((resolve) => {
        if (transports.length === 0) return resolve();
        // Each transport finishes once it handled every line given before end().
        let pending = transports.length;
        const done = (): void => {
          if (--pending > 0) return;
          fileTransport?.close();
          resolve();
        };
        for (const transport of transports) transport.once('finish', done);
        logger.end();
      });
      return closed;
    },
  };
}

function fileRecord(info: EventInfo): LoggedEvent {
  const event = info[EVENT];
  return {
    time: info[TIME].toISOString(),
    severity: event.severity,
    name: event.name,
    message: event.message,
    ...(event.data === undefined ? {} : { data: event.data }),
  };
}

function terminalLine(info: EventInfo, colors: boolean): string {
  const level = info.level as LogLevel;
  const word = level.toUpperCase().padEnd(5);
  const stamp = formatLocalTime(info[TIME]);
  const shown = colors ? `${ANSI[level]}${word}\x1b[0m` : word;
  return `${stamp} ${shown} ${oneLine(info[EVENT].name)}: ${oneLine(info[EVENT].message)}`;
}

/** No timestamp (the journal adds its own); the `<N>` prefix gives the line its priority. */
function journalLine(info: EventInfo): string {
  return `<${JOURNAL_PRIORITY[info.level as LogLevel]}>${oneLine(info[EVENT].name)}: ${oneLine(info[EVENT].message)}`;
}

/** Event messages carry file and signature names: escaped, so one event stays one line. */
const oneLine = (text: string): string => printable(text);
