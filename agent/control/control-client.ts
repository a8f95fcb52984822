/**
 * The CLI's side of the control socket: is an agent there, and one request at a time to it.
 */
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { CONTROL_PROTOCOL_VERSION, CONTROL_SOCKET_NAME, ControlError, MAX_RESPONSE_BYTES, type ControlErrorCode, type ControlResponse } from './protocol.js';

export class ControlClient {
  private buffered = '';
  private waiting: ((line: string | Error) => void) | null = null;
  private closedError: Error | null = null;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly socket: Socket, readonly path: string) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      this.buffered += chunk;
      if (this.buffered.length > MAX_RESPONSE_BYTES) this.fail(new ControlError('too-large', `the agent's answer is larger than ${MAX_RESPONSE_BYTES} bytes`));
      const newline = this.buffered.indexOf('\n');
      if (newline >= 0 && this.waiting) {
        const line = this.buffered.slice(0, newline);
        this.buffered = this.buffered.slice(newline + 1);
        const w = this.waiting;
        this.waiting = null;
        w(line);
      }
    });
    const gone = (err?: Error): void => this.fail(new ControlError('unreachable', `the agent closed the control connection${err ? `: ${err.message}` : ''}`));
    socket.on('error', gone);
    socket.on('close', () => gone());
  }

  private fail(err: Error): void {
    this.closedError ??= err;
    const w = this.waiting;
    this.waiting = null;
    w?.(err);
  }

  /**
   * Sends one request and waits for its answer.
   * @throws ControlError with the agent's code (forbidden, version, bad-args, failed, ...) or `unreachable`.
   */
  request<T>(op: string, args: Readonly<Record<string, unknown>> = {}): Promise<T> {
    const run = async (): Promise<T> => {
      if (this.closedError) throw this.closedError;
      const answer = new Promise<string | Error>((resolve) => (this.waiting = resolve));
      this.socket.write(`${JSON.stringify({ v: CONTROL_PROTOCOL_VERSION, op, args })}\n`);
      const line = await answer;
      if (line instanceof Error) throw line;
      let response: ControlResponse;
      try {
        response = JSON.parse(line) as ControlResponse;
      } catch (err) {
        throw new ControlError('malformed', 'the agent answered something that is not JSON', { cause: err });
      }
      if (!response.ok) throw new ControlError(response.error.code as ControlErrorCode, `the agent refused: ${response.error.message}`);
      return response.result as T;
    };
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => undefined);
    return next;
  }

  close(): void {
    this.socket.end();
    this.socket.destroy();
  }
}

/**
 * Connects to the agent of `stateDir`; null when no agent listens (no socket, or one left by a
 * dead agent: connecting to it is refused, and the next agent removes it).
 * @throws ControlError `forbidden` when the socket is there but this user may not open it.
 */
export function connectAgent(stateDir: string): Promise<ControlClient | null> {
  const path = join(stateDir, CONTROL_SOCKET_NAME);
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    socket.once('connect', () => {
      socket.removeAllListeners('error');
      resolve(new ControlClient(socket, path));
    });
    socket.once('error', (err: NodeJS.ErrnoException) => {
      socket.destroy();
      if (err.code === 'ENOENT' || err.code === 'ECONNREFUSED' || err.code === 'ENOTDIR') resolve(null);
      else if (err.code === 'EACCES' || err.code === 'EPERM') reject(new ControlError('forbidden', `permission denied on the agent's control socket ${path} (only root and the agent's user may use it)`, { cause: err }));
      else reject(new ControlError('unreachable', `cannot reach the agent at ${path}: ${err.message}`, { cause: err }));
    });
  });
}
