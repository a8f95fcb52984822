import { PassThrough } from 'node:stream';
import { createEventLogger } from '../../agent/logging/event-logger.js';
import { printable } from '../../agent/text/printable.js';

/** The agent's console lines (terminal and journal) carry file names: escaped, one line per event. */
describe('agent console and journal lines with hostile names', () => {
  it.each(['terminal', 'systemd'] as const)('%s: one escaped line per event', async (mode) => {
    const stream = new PassThrough();
    let text = '';
    stream.on('data', (d: Buffer) => (text += d.toString()));
    const log = createEventLogger({ file: null, level: 'info', maxSize: 0, maxFiles: 5, console: mode, stream, colors: false });
    log.sink({ name: 'quarantined', severity: 'warning', message: 'Quarantined /srv/\x1b]0;owned\x07\x1b[2J\nforged.com (Eicar\u202e)' });
    log.sink({ name: 'agent started', severity: 'info', message: 'ok' });
    await log.close();
    await new Promise((resolve) => setImmediate(resolve));
    const lines = text.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/u);
    expect(lines[0]).toContain('Quarantined /srv/\\x1b]0;owned\\x07\\x1b[2J\\nforged.com (Eicar\\u202e)');
  });

  it('shows a number or an object sent where a name belongs instead of failing', () => {
    expect(printable(42 as unknown as string)).toBe('42');
  });
});
