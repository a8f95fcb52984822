import { connect, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export type FrontMode = 'reset' | 'pass';

/**
 * A TCP front on 127.0.0.1 before a real server: resets connections (the server is "down") or
 * passes them through, optionally throttled, counting connections and bytes sent upstream.
 * Lets a test say "down for the first N attempts" or "cut after half the upload".
 */
export class TcpFront {
  connections = 0;
  bytesUp = 0;
  private readonly sockets = new Set<Socket>();
  private constructor(private readonly server: Server, public upstreamPort: number, public mode: (n: number) => FrontMode, public bytesPerTick: number) {}

  static async start(upstreamPort: number, mode: (n: number) => FrontMode, bytesPerTick = 0): Promise<TcpFront> {
    const server = createServer();
    const front = new TcpFront(server, upstreamPort, mode, bytesPerTick);
    server.on('connection', (s) => front.accept(s));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    return front;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  private accept(client: Socket): void {
    const n = ++this.connections;
    this.sockets.add(client);
    client.on('close', () => this.sockets.delete(client));
    client.on('error', () => {});
    if (this.mode(n) === 'reset') {
      client.resetAndDestroy();
      return;
    }
    const upstream = connect(this.upstreamPort, '127.0.0.1');
    this.sockets.add(upstream);
    upstream.on('close', () => {
      this.sockets.delete(upstream);
      client.destroy();
    });
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    upstream.pipe(client);
    client.on('data', (chunk: Buffer) => this.forward(client, upstream, chunk));
  }

  /** Sends up at most `bytesPerTick` every 10 ms when throttled, so an upload takes a while. */
  private forward(client: Socket, upstream: Socket, chunk: Buffer): void {
    this.bytesUp += chunk.length;
    if (this.bytesPerTick === 0) {
      if (!upstream.write(chunk)) {
        client.pause();
        upstream.once('drain', () => client.resume());
      }
      return;
    }
    client.pause();
    const send = (at: number): void => {
      if (upstream.destroyed) return;
      upstream.write(chunk.subarray(at, at + this.bytesPerTick));
      if (at + this.bytesPerTick < chunk.length) setTimeout(() => send(at + this.bytesPerTick), 10);
      else client.resume();
    };
    send(0);
  }

  /** Cuts every open connection (as a crash of the server would). */
  cutAll(): void {
    for (const s of this.sockets) s.destroy();
  }

  async close(): Promise<void> {
    this.cutAll();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
