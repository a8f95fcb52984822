import { fitWidths, layoutRow, truncate } from '../../agent/tray/tray-columns.js';
import { renderTray, statusLines, toAnsi } from '../../agent/tray/tray-render.js';
import { formatLocalTime } from '../../agent/text/format-time.js';
import { initialState, type TrayState } from '../../agent/tray/tray-state.js';
import { makeItem, STATUS } from './item-fixture.js';

const SIZE = { columns: 140, rows: 20 };
const text = (state: TrayState, size = SIZE): string[] => renderTray(state, size).map((l) => l.text);

describe('tray rendering (pure)', () => {
  it('fills the screen exactly, no line wider than the terminal', () => {
    const state = initialState([makeItem('a', { fileName: 'x'.repeat(300) })], STATUS);
    for (const size of [SIZE, { columns: 40, rows: 10 }, { columns: 61, rows: 33 }]) {
      const lines = renderTray(state, size);
      expect(lines).toHaveLength(size.rows);
      for (const l of lines) expect(l.text.length).toBeLessThanOrEqual(size.columns);
    }
  });

  it('shows the status header: agent, definitions and date, last check, protected folders', () => {
    expect(statusLines(STATUS)).toEqual([
      'Agent:              running (pid 4242)',
      `Definitions:        sequence 12, created ${formatLocalTime(STATUS.definitions.created!)}`,
      `Last update check:  ${formatLocalTime(STATUS.lastUpdateCheck!.at)} up-to-date`,
      'Protected folders:  /srv/drop, /home',
    ]);
    const idle = statusLines({ ...STATUS, running: false, lastUpdateCheck: null, updateSource: null, definitions: { sequence: 0, created: null, switchedAt: null, builtin: true } });
    expect(idle[0]).toContain('not running');
    expect(idle[1]).toContain('built-in, sequence 0');
    expect(idle[2]).toContain('never (no definitions source configured)');
  });

  it('lists the guide\'s columns with the cursor and the marks', () => {
    let state = initialState([makeItem('a'), makeItem('b', { errors: [{ word: 'occupied', message: 'x', at: '' }] })], STATUS);
    state = { ...state, cursor: 1, selected: new Set(['a']) };
    const lines = text(state);
    const header = lines.find((l) => l.includes('File name'))!;
    expect(header.trim().split(/\s{2,}/)).toEqual(['File name', 'User', 'Computer', 'Date quarantined', 'Status', 'State', 'Virus', 'Defs', 'Errors']);
    const rowA = lines.find((l) => l.includes('a.exe'))!;
    const rowB = lines.find((l) => l.includes('b.exe'))!;
    expect(rowA.startsWith('  [x] a.exe')).toBe(true);
    expect(rowB.startsWith('> [ ] b.exe')).toBe(true);
    expect(rowB.split(/\s{2,}/).slice(1)).toEqual(['alice', 'desk-7', formatLocalTime('2025-03-04T05:06:07.000Z'), 'Quarantined', 'infected', 'Eicar-Test-Signature', '12', 'occupied']);
    expect(lines[0]).toContain('2 item(s) in quarantine, at 2 of 2, sorted by date  |  1 selected');
    expect(renderTray(state, SIZE).find((l) => l.text.includes('b.exe'))!.style).toBe('cursor');
  });

  it('scrolls so that the cursor stays visible', () => {
    const items = Array.from({ length: 40 }, (_, i) => makeItem(`i${String(i).padStart(2, '0')}`));
    const lines = text({ ...initialState(items, STATUS), cursor: 39 });
    expect(lines.some((l) => l.startsWith('> [ ] i39.exe'))).toBe(true);
    expect(lines.some((l) => l.includes('i00.exe'))).toBe(false);
  });

  it('puts the question, the export prompt or the message above the keys', () => {
    const base = initialState([makeItem('a'), makeItem('b')], STATUS);
    const asked = text({ ...base, mode: { kind: 'confirm', action: 'restore', ids: ['a', 'b'] } });
    expect(asked[SIZE.rows - 2]).toBe('Are you sure you want to restore the selected files? (y/n) [2 files]');
    expect(asked[SIZE.rows - 1]).toBe('y yes  n no');
    expect(text({ ...base, mode: { kind: 'export', ids: ['a'], text: '/tmp/out' } })[SIZE.rows - 2]).toBe('Export the selected files to folder: /tmp/out_');
    const failed = renderTray({ ...base, message: { text: 'Restored 0 file(s); 1 failed', error: true } }, SIZE);
    expect(failed[SIZE.rows - 2]).toEqual({ text: 'Restored 0 file(s); 1 failed', style: 'error' });
    expect(text(base)[SIZE.rows - 1]).toContain('r restore  d delete  e export  a allow');
  });

  it('shows every detail of the item in details mode', () => {
    const lines = text({ ...initialState([makeItem('a')], STATUS), mode: { kind: 'details', id: 'a', scroll: 0 } });
    expect(lines).toContain('Original path         /srv/drop/a.exe');
    expect(lines.some((l) => l.startsWith('SHA-256'))).toBe(true);
  });

  it('asks for a bigger terminal when it is too small', () => {
    const lines = text(initialState([makeItem('a')], STATUS), { columns: 30, rows: 5 });
    expect(lines).toHaveLength(5);
    expect(lines[0]).toBe('Need 40x10 or more; q quits');
  });

  it('gives the file name the room, drops the least needed columns, and cuts with an ellipsis', () => {
    const rows = [['File name', 'User'], ['a-very-long-file-name.bin', 'bob']];
    expect(fitWidths(rows, 200)).toEqual([25, 4]);
    expect(fitWidths(rows, 22)).toEqual([16, 4]);
    expect(fitWidths(rows, 20)).toEqual([20, 0]);
    expect(layoutRow(rows[1]!, [10, 4])).toBe('a-very-lo…  bob');
    expect(layoutRow(rows[1]!, [10, 0])).toBe('a-very-lo…');
    expect(truncate('abc', 3)).toBe('abc');
    expect(truncate('abcd', 1)).toBe('…');
  });

  it('styles with SGR codes, bars across the width', () => {
    expect(toAnsi({ text: 'x', style: 'plain' }, 5)).toBe('x');
    expect(toAnsi({ text: 'x', style: 'cursor' }, 5)).toBe('\x1b[7mx    \x1b[0m');
  });
});
