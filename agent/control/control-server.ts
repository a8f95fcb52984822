/**
 * The agent's control socket, like clamd's local socket: `<stateDir>/control.sock`, mode 0600
 * (0660 with `control.group`), for root and the agent's user only. Each connection carries
 * newline-delimited JSON requests, answered in order (see protocol.ts).
 */
import { chmodSync, chownSync, lstatSync, unlinkSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import type { EndpointApi } from '../endpoint/endpoint-api.js';
import { dispatch } from './dispatch.js';
import { isAllowedCaller, peerCredentials } from './peer-credentials.js';
import { CONTROL_PROTOCOL_VERSION, CONTROL_SOCKET_NAME, ControlError, errorResponse, MAX_REQUEST_BYTES, parseRequest, type ControlResponse } from './protocol.js';

export interface ControlServerOptions {
  readonly stateDir: string;
  readonly endpoint: EndpointApi;
  /** A group whose members may use the socket too (mode 0660); null = root and the owner only. */
  readonly gid?: number | null;
}

export interface ControlServer {
  readonly path: string;
  close(): Promise<void>;
}

/** The socket file could not be set up; names it. */
export class ControlSocketError extends Error {
  override name = 'ControlSocketError';
}

/**
 * Listens on the state folder's socket. Call it holding the agent lock: a socket file already
 * there is then a dead agent's, and is removed (anything else by that name is refused).
 * @throws ControlSocketError naming the path.
 */
export async function startControlServer(options: ControlServerOptions): Promise<ControlServer> {
  const path = join(options.stateDir, CONTROL_SOCKET_NAME);
  removeStaleSocket(path);
  const gid = options.gid ?? null;
  const agentUid = process.getuid?.() ?? 0;
  const server = createServer((socket) => void serve(socket, options.endpoint, agentUid, gid));
  // Created private (umask), so that there is no moment at which others could connect.
  const umask = process.umask(0o177);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => resolve());
    });
  } catch (err) {
    throw new ControlSocketError(`cannot listen on the control socket ${path}: ${(err as Error).message}`, { cause: err });
  } finally {
    process.umask(umask);
  }
  if (gid !== null) {
    chownSync(path, agentUid, gid);
    chmodSync(path, 0o660);
  } else chmodSync(path, 0o600);
  return { path, close: () => closeServer(server, path) };
}

/**
 * Removes a socket left by an agent that died (we hold the lock, so no live agent listens on
 * it); anything that is not a socket is left alone and refused.
 */
function removeStaleSocket(path: string): void {
  let info;
  try {
    info = lstatSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  if (!info.isSocket()) throw new ControlSocketError(`${path} exists and is not a socket; remove it by hand`);
  unlinkSync(path);
}

function closeServer(server: Server, path: string): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    try {
      unlinkSync(path);
    } catch {
      // Already gone.
    }
  });
}

async function serve(socket: Socket, endpoint: EndpointApi, agentUid: number, gid: number | null): Promise<void> {
  socket.on('error', () => socket.destroy());
  let cred;
  try {
    cred = await peerCredentials(socket);
  } catch (err) {
    return refuse(socket, errorResponse('forbidden', `cannot tell who is calling: ${(err as Error).message}`));
  }
  if (cred && !isAllowedCaller(cred, agentUid, gid)) {
    return refuse(socket, errorResponse('forbidden', `user id ${cred.uid} may not use the epq agent's control socket (only root and user id ${agentUid})`));
  }
  let buffered = '';
  let queue = Promise.resolve();
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    buffered += chunk;
    let newline;
    while ((newline = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      if (Buffer.byteLength(line) > MAX_REQUEST_BYTES) return refuse(socket, tooLarge());
      queue = queue.then(() => answer(socket, endpoint, line));
    }
    if (Buffer.byteLength(buffered) > MAX_REQUEST_BYTES) refuse(socket, tooLarge());
  });
}

function tooLarge(): ControlResponse {
  return errorResponse('too-large', `the request is larger than ${MAX_REQUEST_BYTES} bytes`);
}

async function answer(socket: Socket, endpoint: EndpointApi, line: string): Promise<void> {
  const parsed = parseRequest(line);
  let response: ControlResponse;
  if (!parsed.ok) response = errorResponse(parsed.code, parsed.message);
  else {
    try {
      response = { v: CONTROL_PROTOCOL_VERSION, ok: true, result: await dispatch(endpoint, parsed.request) };
    } catch (err) {
      response = err instanceof ControlError && err.code !== 'unreachable' ? errorResponse(err.code, err.message) : errorResponse('failed', describe(err));
    }
  }
  if (!socket.destroyed) socket.write(`${JSON.stringify(response)}\n`);
}

function refuse(socket: Socket, response: ControlResponse): void {
  socket.removeAllListeners('data');
  socket.end(`${JSON.stringify(response)}\n`);
  socket.destroySoon?.();
}

function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  let text = err.message;
  for (let cause = err.cause; cause instanceof Error; cause = cause.cause) if (!text.includes(cause.message)) text += `: ${cause.message}`;
  return text;
}
