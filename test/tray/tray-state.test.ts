import { handleKey, initialState, QUESTIONS, targetIds, withItems, type TrayKey, type TrayState } from '../../agent/tray/tray-state.js';
import { makeItem, STATUS } from './item-fixture.js';

const ch = (c: string): TrayKey => ({ name: c === ' ' ? 'space' : c.toLowerCase(), sequence: c });
const named = (name: string): TrayKey => ({ name, sequence: '' });

/** Feeds keys one after another, collecting the effects. */
function press(state: TrayState, ...keys: TrayKey[]): { state: TrayState; effects: unknown[] } {
  const effects: unknown[] = [];
  for (const key of keys) {
    const out = handleKey(state, key);
    state = out.state;
    if (out.effect) effects.push(out.effect);
  }
  return { state, effects };
}

const three = (): TrayState => initialState([makeItem('a'), makeItem('b'), makeItem('c')], STATUS);

describe('tray keys (pure)', () => {
  it('moves with arrows and j/k, staying inside the list', () => {
    expect(press(three(), ch('j'), ch('j'), ch('j')).state.cursor).toBe(2);
    expect(press(three(), named('down'), named('up'), named('up')).state.cursor).toBe(0);
    expect(press(three(), ch('G')).state.cursor).toBe(2);
    expect(press(three(), ch('G'), ch('g')).state.cursor).toBe(0);
  });

  it('marks several with space; actions apply to the marked ones, else to the cursor', () => {
    const marked = press(three(), ch(' '), ch('j'), ch('j'), ch(' ')).state;
    expect([...marked.selected].sort()).toEqual(['a', 'c']);
    expect(targetIds(marked)).toEqual(['a', 'c']);
    expect(targetIds(press(three(), ch('j')).state)).toEqual(['b']);
    expect(press(marked, ch('k'), ch(' ')).state.selected.has('b')).toBe(true);
    expect(press(marked, ch('k'), ch('k'), ch(' ')).state.selected.has('a')).toBe(false);
  });

  it('asks before restoring and restores only on y', () => {
    const asked = press(three(), ch('j'), ch('r')).state;
    expect(asked.mode).toEqual({ kind: 'confirm', action: 'restore', ids: ['b'] });
    expect(QUESTIONS.restore).toBe('Are you sure you want to restore the selected files?');
    expect(press(asked, ch('x')).state.mode.kind).toBe('confirm');
    expect(press(asked, ch('y')).effects).toEqual([{ kind: 'restore', ids: ['b'] }]);
    const no = press(asked, ch('n'));
    expect(no.effects).toEqual([]);
    expect(no.state.mode.kind).toBe('list');
    expect(no.state.message?.text).toBe('Nothing restored.');
  });

  it('asks before deleting and before allowing', () => {
    expect(press(three(), ch('d'), ch('y')).effects).toEqual([{ kind: 'delete', ids: ['a'] }]);
    expect(press(three(), ch('d'), named('escape')).effects).toEqual([]);
    expect(press(three(), ch(' '), ch('j'), ch(' '), ch('a'), ch('Y')).effects).toEqual([{ kind: 'allow', ids: ['a', 'b'] }]);
  });

  it('reads a folder for export, with backspace and escape', () => {
    const typed = press(three(), ch('e'), ch('/'), ch('t'), ch('m'), ch('x'), named('backspace'), ch('p'));
    expect(typed.state.mode).toEqual({ kind: 'export', ids: ['a'], text: '/tmp' });
    // q is text here, not quit.
    expect(press(typed.state, ch('q')).effects).toEqual([]);
    expect(press(typed.state, named('return')).effects).toEqual([{ kind: 'export', ids: ['a'], dir: '/tmp' }]);
    expect(press(typed.state, named('escape')).state.mode.kind).toBe('list');
    expect(press(three(), ch('e'), named('return')).effects).toEqual([]);
  });

  it('opens details on enter and goes back; q quits from the list only', () => {
    const details = press(three(), ch('j'), named('return')).state;
    expect(details.mode).toEqual({ kind: 'details', id: 'b', scroll: 0 });
    expect(press(details, ch('q')).effects).toEqual([]);
    expect(press(details, ch('q')).state.mode.kind).toBe('list');
    expect(press(three(), ch('q')).effects).toEqual([{ kind: 'quit' }]);
    expect(press(details, { name: 'c', ctrl: true, sequence: '\x03' }).effects).toEqual([{ kind: 'quit' }]);
  });

  it('asks for an update check on u, and ignores keys while busy', () => {
    expect(press(three(), ch('u')).effects).toEqual([{ kind: 'update' }]);
    const busy: TrayState = { ...three(), mode: { kind: 'busy', text: 'Restoring...' } };
    expect(press(busy, ch('j'), ch('r'), ch('y'), ch('q'))).toEqual({ state: busy, effects: [] });
  });

  it('says the quarantine is empty instead of acting on nothing', () => {
    const out = press(initialState([], STATUS), ch('r'), ch('y'));
    expect(out.effects).toEqual([]);
    expect(out.state.message?.text).toBe('The quarantine is empty.');
  });

  it('keeps the cursor on its item and drops marks of items that left', () => {
    const state = press(three(), ch(' '), ch('j'), ch('j'), ch(' ')).state; // a and c marked, cursor on c
    const after = withItems(state, [makeItem('c'), makeItem('d')]);
    expect(after.cursor).toBe(0);
    expect([...after.selected]).toEqual(['c']);
    const gone = withItems(state, [makeItem('a')]);
    expect(gone.cursor).toBe(0);
    const details = withItems(press(three(), named('return')).state, [makeItem('b')]);
    expect(details.mode.kind).toBe('list');
  });
});
