import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SeenRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly bodyLength: number;
  readonly at: number;
}

/** Answers request k (from 0) with `reply(k, req)`; the body has been read whole first. */
export type Reply = (k: number, req: SeenRequest, res: ServerResponse) => void;

/**
 * A real HTTP server on 127.0.0.1 whose answers a test scripts (500s, Retry-After, 413, garbage),
 * recording every request it got.
 */
export class ScriptedServer {
  readonly seen: SeenRequest[] = [];
  private constructor(private readonly server: Server) {}

  static async start(reply: Reply): Promise<ScriptedServer> {
    let me: ScriptedServer | undefined;
    const server = createServer((req: IncomingMessage, res: ServerResponse) => {
      let length = 0;
      req.on('data', (c: Buffer) => (length += c.length));
      req.on('end', () => {
        const seen = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, bodyLength: length, at: Date.now() };
        me!.seen.push(seen);
        reply(me!.seen.length - 1, seen, res);
      });
    });
    me = new ScriptedServer(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    return me;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  uploads(): SeenRequest[] {
    return this.seen.filter((s) => s.method === 'POST' && s.path === '/samples');
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** A sample record as the Central Quarantine would answer it, for scripted 201s. */
export function acceptReply(req: SeenRequest, res: ServerResponse): void {
  const id = String(req.headers['x-sample-id']);
  const body = JSON.stringify({ id, checksum: req.headers['x-sample-checksum'], state: 'infected', status: 'Unneeded', duplicate: false, fileName: 'f', computer: 'c' });
  res.writeHead(201, { 'content-type': 'application/json' }).end(body);
}
