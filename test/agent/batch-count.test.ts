import { Writable } from 'node:stream';
import { startBatchCount } from '../../agent/cli/batch-count.js';

function fakeStream(isTTY: boolean): { stream: NodeJS.WriteStream; text: () => string } {
  let text = '';
  const stream = Object.assign(new Writable({ write(chunk: Buffer, _e, done) { text += chunk.toString(); done(); } }), { isTTY });
  return { stream: stream as unknown as NodeJS.WriteStream, text: () => text };
}

describe('CLI batch count', () => {
  it('draws "Restoring n/N" over itself on a terminal and clears it', () => {
    const { stream, text } = fakeStream(true);
    const count = startBatchCount('Restoring', 503, stream);
    count.show(0);
    count.show(120);
    count.clear();
    expect(text()).toBe('\rRestoring 0/503...\x1b[K\rRestoring 120/503...\x1b[K\r\x1b[K');
  });

  it('draws nothing into a pipe or for one item', () => {
    const pipe = fakeStream(false);
    const one = fakeStream(true);
    for (const [s, n] of [[pipe.stream, 5], [one.stream, 1]] as const) {
      const count = startBatchCount('Deleting', n, s);
      count.show(0);
      count.clear();
    }
    expect(pipe.text()).toBe('');
    expect(one.text()).toBe('');
  });
});
