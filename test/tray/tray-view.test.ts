import { legendFor } from '../../agent/tray/tray-legend.js';
import { renderTray } from '../../agent/tray/tray-render.js';
import { handleKey, initialState, targetIds, type TrayKey, type TrayState } from '../../agent/tray/tray-state.js';
import { displayWidth } from '../../agent/text/display-width.js';
import { makeItem, STATUS } from './item-fixture.js';

const ch = (c: string): TrayKey => ({ name: c, sequence: c });
const named = (name: string): TrayKey => ({ name });
const press = (state: TrayState, ...keys: TrayKey[]): TrayState => keys.reduce((s, k) => handleKey(s, k).state, state);

const items = [
  makeItem('a', { fileName: 'zeta.doc', virusName: 'Trojan.B', state: 'infected', quarantinedAt: '2025-03-01T00:00:00.000Z' }),
  makeItem('b', { fileName: 'alpha.exe', virusName: 'Eicar', state: 'infected', quarantinedAt: '2025-03-02T00:00:00.000Z' }),
  makeItem('c', { fileName: 'mid.bin', virusName: 'Worm.C', state: 'repaired', quarantinedAt: '2025-03-03T00:00:00.000Z' }),
];

describe('tray sort, filter, legend, readers (pure)', () => {
  it('sorts by date, name, virus and state in turn, and reverses with o', () => {
    const names = (s: TrayState): string[] => s.visible.map((i) => i.fileName);
    let state = initialState(items, STATUS);
    expect(names(state)).toEqual(['zeta.doc', 'alpha.exe', 'mid.bin']);
    state = press(state, ch('s'));
    expect(state.view.sort).toBe('name');
    expect(names(state)).toEqual(['alpha.exe', 'mid.bin', 'zeta.doc']);
    expect(names(press(state, ch('s')))).toEqual(['alpha.exe', 'zeta.doc', 'mid.bin']); // by virus
    expect(names(press(state, ch('o')))).toEqual(['zeta.doc', 'mid.bin', 'alpha.exe']);
  });

  it('filters by name, virus or state as you type; actions apply to what is shown; esc clears', () => {
    let state = press(initialState(items, STATUS), ch('*')); // all three marked
    state = press(state, ch('/'), ch('r'), ch('e'), ch('p'));
    expect(state.visible.map((i) => i.id)).toEqual(['c']);
    expect(targetIds(state)).toEqual(['c']); // marked but hidden items are not acted on
    expect(renderTray(state, { columns: 100, rows: 20 })[0]!.text).toContain('1 of 3 item(s) shown');
    state = press(state, named('return'));
    expect(state.mode.kind).toBe('list');
    expect(press(state, ch('/'), named('backspace'), named('backspace'), named('backspace'), ch('e'), ch('i'), ch('c')).visible.map((i) => i.id)).toEqual(['b']);
    expect(press(state, named('escape')).visible).toHaveLength(3);
  });

  it('keeps u and q in the legend at any width, dropping the least needed keys first', () => {
    for (const columns of [40, 60, 80, 200]) {
      const legend = legendFor('list', columns, true);
      expect(legend).toContain('u update');
      expect(legend).toContain('q quit');
      expect(displayWidth(legend)).toBeLessThanOrEqual(Math.max(columns, displayWidth('u update  q quit')));
    }
    expect(legendFor('list', 80, false)).toContain('r restore');
    expect(legendFor('list', 200, true)).toContain('m message');
  });

  it('shows a long message whole in a scrollable reader (m)', () => {
    const long = Array.from({ length: 200 }, (_, i) => `/srv/drop/file-${i}.com`).join(', ');
    const state: TrayState = { ...initialState(items, STATUS), message: { text: `Restored 200 file(s): ${long}`, error: false } };
    const size = { columns: 80, rows: 24 };
    const list = renderTray(state, size).map((l) => l.text);
    expect(list[22]).toMatch(/\(m: read all\)$/);
    const reader = press(state, ch('m'));
    const page = renderTray(reader, size).map((l) => l.text);
    expect(page.join('\n')).toContain('Restored 200 file(s): /srv/drop/file-0.com');
    expect(page[22]).toMatch(/^lines 1-21 of \d+$/);
    const end = renderTray(press(reader, ch('G')), size).map((l) => l.text);
    expect(end.join('\n')).toContain('/srv/drop/file-199.com');
    expect(press(reader, ch('q')).mode.kind).toBe('list');
  });

  it('escapes a hostile name and keeps every line within the width by display columns', () => {
    const hostile = [makeItem('x', { fileName: '\x1b[2J\x1b]0;t\x07\n' + '漢'.repeat(81) }), makeItem('y', { fileName: '👩‍👩‍👧'.repeat(30) })];
    for (const size of [{ columns: 80, rows: 24 }, { columns: 200, rows: 50 }]) {
      const lines = renderTray(initialState(hostile, STATUS), size);
      expect(lines).toHaveLength(size.rows);
      for (const l of lines) {
        expect(l.text).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
        expect(displayWidth(l.text)).toBeLessThanOrEqual(size.columns);
      }
    }
  });
});
