/**
 * A winston transport that appends lines to a file and rotates it by size, with winston's
 * tailable names (`epq.log` is the newest, then `epq1.log`, `epq2.log`, ...).
 *
 * Why not winston's own File transport: with `maxsize`, a burst of lines (a scan that
 * quarantines many files at once) loses them and never finishes closing (reproduced with winston
 * 3.19: 1000 lines, maxsize 4000, three empty files; upstream issues #1655 and #2354, where one
 * line longer than maxsize stops the file for good). Events are rare enough for synchronous
 * appends, which also mean that a line is in the file once `sink()` returns.
 */
import { closeSync, fstatSync, openSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import winston from 'winston';
import { rotatedName } from './read-events.js';

/** Where winston's formats leave the finished line (triple-beam's MESSAGE). */
const MESSAGE = Symbol.for('message');

/** winston's transport base class: exported as `Transport` at run time, typed as `transport`. */
const TransportBase = (winston as unknown as { Transport: new (options?: { format?: winston.Logform.Format }) => winston.transport }).Transport;

export interface RotatingFileOptions {
  readonly file: string;
  /** Rotate before a line would take the file past this many bytes; 0 = never. */
  readonly maxSize: number;
  /** Files kept, the current one included; 1 = the file starts over when full. */
  readonly maxFiles: number;
  readonly format: winston.Logform.Format;
  /** File mode of a new log file. */
  readonly mode?: number;
}

export class RotatingFileTransport extends TransportBase {
  private fd: number | null = null;
  private ino = 0;
  private size = 0;

  constructor(private readonly options: RotatingFileOptions) {
    super({ format: options.format });
    this.open();
  }

  override log(info: Record<string | symbol, unknown>, next: () => void): void {
    try {
      const line = Buffer.from(`${String(info[MESSAGE])}\n`);
      this.reopenIfMoved();
      if (this.options.maxSize > 0 && this.size > 0 && this.size + line.length > this.options.maxSize) this.rotate();
      if (this.fd === null) this.open();
      writeSync(this.fd!, line);
      this.size += line.length;
    } catch (err) {
      this.emit('error', err);
    }
    setImmediate(() => this.emit('logged', info));
    next();
  }

  override close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }

  private open(): void {
    const fd = openSync(this.options.file, 'a', this.options.mode ?? 0o640);
    const info = fstatSync(fd);
    if (!info.isFile()) {
      closeSync(fd);
      throw new Error(`${this.options.file} is not a regular file`);
    }
    this.fd = fd;
    this.ino = info.ino;
    this.size = info.size;
  }

  /** Someone else (logrotate, a person) moved or removed the file: start a new one at the path. */
  private reopenIfMoved(): void {
    if (this.fd === null) return;
    let ino: number | null;
    try {
      ino = statSync(this.options.file).ino;
    } catch {
      ino = null;
    }
    if (ino !== this.ino) {
      this.close();
      this.open();
    }
  }

  private rotate(): void {
    this.close();
    const { file, maxFiles } = this.options;
    if (maxFiles <= 1) {
      unlinkSync(file);
    } else {
      for (let i = maxFiles - 1; i >= 2; i--) renameIfExists(rotatedName(file, i - 1), rotatedName(file, i));
      renameIfExists(file, rotatedName(file, 1));
    }
    this.open();
  }
}

function renameIfExists(from: string, to: string): void {
  try {
    renameSync(from, to);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}
