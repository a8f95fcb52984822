/**
 * What the forwarding benchmark works on: a real quarantine filled with seeded random files, the
 * plain bytes of each kept aside for curl, and real `epq central serve` processes to send to.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { QuarantineItem } from '../agent/quarantine/quarantine-item.js';
import { QuarantineStore } from '../agent/quarantine/quarantine-store.js';
import { recoverStore } from '../agent/quarantine/recover.js';
import { BenchError } from './cli-args.js';
import { Rng } from './prng.js';
import { EPQ_BIN, REPO_ROOT } from './tools.js';

export interface ForwardCorpus {
  readonly store: QuarantineStore;
  readonly items: readonly QuarantineItem[];
  /** `<id>.bin`: each item's plain bytes, for curl. */
  readonly plainDir: string;
  readonly bytes: number;
}

/** Quarantines `count` seeded random files of `minSize`..`maxSize` bytes (not timed). */
export async function makeForwardCorpus(dir: string, count: number, minSize: number, maxSize: number, seed: number): Promise<ForwardCorpus> {
  const root = join(dir, 'root');
  const plainDir = join(dir, 'plain');
  mkdirSync(join(root, 'home/u'), { recursive: true });
  mkdirSync(plainDir);
  const store = new QuarantineStore({ stateDir: join(dir, 'state'), root, computer: 'bench-host', userNameOf: () => 'bench' });
  await recoverStore(store);
  const items: QuarantineItem[] = [];
  let bytes = 0;
  for (let i = 0; i < count; i++) {
    const rng = new Rng(seed, i);
    const content = rng.bytes(rng.int(minSize, maxSize));
    writeFileSync(join(root, 'home/u', `f${i}.bin`), content);
    const { item } = await store.quarantine({ path: `/home/u/f${i}.bin`, detections: [{ signature: 'Bench.Sample', kind: 'body', offset: 0 }], definitionsSequence: 1 });
    writeFileSync(join(plainDir, `${item.id}.bin`), content);
    items.push(item);
    bytes += content.length;
  }
  return { store, items, plainDir, bytes };
}

/** Empties the outbox, so the same items can be forwarded again to a fresh server. */
export function resetOutbox(store: QuarantineStore): void {
  store.db.exec('DELETE FROM forward_outbox');
}

/** A running `epq central serve --quiet`. */
export interface CentralServer {
  readonly url: string;
  readonly port: number;
  /** When it printed its startup line (performance.now()). */
  readonly upAt: number;
  stop(): Promise<void>;
}

/**
 * Starts a reference server over `dataDir` on `port` (0 = any) and waits for its URL.
 * @throws BenchError when it does not start within 20 s.
 */
export async function startCentral(dataDir: string, port = 0): Promise<CentralServer> {
  const child: ChildProcess = spawn(process.execPath, [EPQ_BIN, 'central', 'serve', '--listen', `127.0.0.1:${port}`, '--data', dataDir, '--max-size', '1T', '--quiet'], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const deadline = Date.now() + 20_000;
  while (!/listening on (\S+)/.test(output)) {
    if (child.exitCode !== null || Date.now() > deadline) throw new BenchError(`epq central serve did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 2));
  }
  const upAt = performance.now();
  const url = /listening on (\S+)/.exec(output)![1]!;
  return {
    url,
    port: Number(new URL(url).port),
    upAt,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}
