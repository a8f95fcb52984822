import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { streamSample } from '../../agent/forward/sample-stream.js';
import { readItemContent } from '../../agent/quarantine/manage-items.js';
import { QuarantineError } from '../../agent/quarantine/quarantine-errors.js';
import { seededRandom } from '../helpers/seeded-random.js';
import { makeForwardFixture, type ForwardFixture } from './forward-fixture.js';

async function collect(gen: AsyncIterable<Buffer>): Promise<{ chunks: Buffer[]; error: unknown }> {
  const chunks: Buffer[] = [];
  try {
    for await (const c of gen) chunks.push(Buffer.from(c));
  } catch (err) {
    return { chunks, error: err };
  }
  return { chunks, error: undefined };
}

/** The forwarder's streaming reader of quarantine packages, against the quarantine's own reader. */
describe('streamSample', () => {
  let fx: ForwardFixture;
  beforeEach(async () => {
    fx = await makeForwardFixture();
  });
  afterEach(() => fx.cleanup());

  it('yields exactly the bytes the quarantine reader gives, in bounded chunks', async () => {
    const content = Buffer.from(seededRandom(7).bytes(3 * 1024 * 1024 + 12345));
    const item = await fx.quarantine('big.bin', content);
    const viaStore: Buffer[] = [];
    readItemContent(fx.store, item, (c) => viaStore.push(Buffer.from(c)));
    const { chunks, error } = await collect(streamSample(fx.store.blobPath(item.id), fx.store.key, item));
    expect(error).toBeUndefined();
    expect(Buffer.concat(chunks).equals(Buffer.concat(viaStore))).toBe(true);
    expect(Buffer.concat(chunks).equals(content)).toBe(true);
    expect(Math.max(...chunks.map((c) => c.length))).toBeLessThanOrEqual(256 * 1024);
  });

  it('stops a tampered package before its last chunk, with "content"', async () => {
    const item = await fx.quarantine('t.bin', Buffer.alloc(1024 * 1024, 0x41));
    const blob = readFileSync(fx.store.blobPath(item.id));
    blob[blob.length >> 1] ^= 0x01;
    writeFileSync(fx.store.blobPath(item.id), blob);
    const { chunks, error } = await collect(streamSample(fx.store.blobPath(item.id), fx.store.key, item));
    expect(error).toBeInstanceOf(QuarantineError);
    expect((error as QuarantineError).word).toBe('content');
    expect(Buffer.concat(chunks).length).toBeLessThan(item.size);
  });

  it('yields nothing of a small tampered package, and "missing" for one that is gone', async () => {
    const small = await fx.quarantine('s.bin', Buffer.from('small sample'));
    const blob = readFileSync(fx.store.blobPath(small.id));
    blob[blob.length - 1] ^= 0x80;
    writeFileSync(fx.store.blobPath(small.id), blob);
    const tampered = await collect(streamSample(fx.store.blobPath(small.id), fx.store.key, small));
    expect(tampered.chunks).toEqual([]);
    expect((tampered.error as QuarantineError).word).toBe('content');
    unlinkSync(fx.store.blobPath(small.id));
    const gone = await collect(streamSample(fx.store.blobPath(small.id), fx.store.key, small));
    expect((gone.error as QuarantineError).word).toBe('missing');
  });
});
