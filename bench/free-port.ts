import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';

/** A port nothing listens on (yet): bound, read, released. Shared by the forwarding bench and tests. */
export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', () => resolve()));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}
