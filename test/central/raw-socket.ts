import { connect, type Socket } from 'node:net';
import { sampleHeaders } from './http-client.js';

/** A hand-driven client connection: what it received, and whether the server closed it. */
export interface RawClient {
  readonly socket: Socket;
  received(): string;
  closed(): boolean;
  /** Resolves when the connection is closed, by either side. */
  readonly done: Promise<void>;
}

/** Opens a TCP connection to `port` (from `localAddress`, to look like another client) and writes `text`. */
export function openRaw(port: number, text: string | Buffer, localAddress = '127.0.0.1'): Promise<RawClient> {
  return new Promise((resolve, reject) => {
    let data = '';
    let isClosed = false;
    const socket = connect({ port, host: '127.0.0.1', localAddress }, () => {
      socket.off('error', reject);
      socket.on('error', () => {});
      socket.write(text);
      resolve({ socket, received: () => data, closed: () => isClosed, done });
    });
    const done = new Promise<void>((r) => socket.on('close', () => {
      isClosed = true;
      r();
    }));
    socket.on('data', (d: Buffer) => (data += d.toString('latin1')));
    socket.once('error', reject);
  });
}

/** The request head of an upload of `body` as sample `id`, without the body. */
export function uploadHead(id: string, body: Buffer, extra: Record<string, string> = {}): string {
  const headers = { host: 'x', 'content-length': String(body.length), ...sampleHeaders(id, body, extra) };
  return `POST /samples HTTP/1.1\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n`;
}

/** Writes `text` a byte at a time every `everyMs` until the connection closes or `text` is out. */
export async function drip(client: RawClient, text: Buffer, everyMs: number): Promise<void> {
  for (let i = 0; i < text.length && !client.closed(); i++) {
    client.socket.write(text.subarray(i, i + 1));
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
