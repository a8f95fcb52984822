import { placeLine, type EditableLine } from '../../agent/side-effects/line-edit.js';
import type { LineSideEffect } from '../../agent/side-effects/side-effect.js';
import { joinLines, parseLines } from '../../agent/side-effects/text-lines.js';

function effectAt(text: string, index: number): LineSideEffect {
  const lines = parseLines(text);
  const line = lines[index]!;
  return {
    kind: 'line',
    role: 'crontab',
    path: '/etc/crontab',
    lineIndex: index,
    line: line.text,
    before: index > 0 ? lines[index - 1]!.text : null,
    after: index + 1 < lines.length ? lines[index + 1]!.text : null,
    newline: line.eol === '' ? '\n' : line.eol,
    terminated: line.eol !== '',
    fileMode: 0o644,
    fileUid: 0,
    fileGid: 0,
  };
}

function without(text: string, indexes: number[]): EditableLine[] {
  return parseLines(text).filter((_, i) => !indexes.includes(i));
}

describe('text lines and line placement', () => {
  it.each(['', 'a', 'a\n', 'a\r\nb\r\n', 'a\nb', 'a\r\n\r\nb\n\n', '\ufeffbom\n', 'lone\rcr\n'])('round-trips %j byte for byte', (text) => {
    expect(joinLines(parseLines(text))).toBe(text);
  });

  it.each([
    ['first line', 'a\nb\nc\n', 0],
    ['middle line', 'a\nb\nc\n', 1],
    ['terminated last line', 'a\nb\nc\n', 2],
    ['unterminated last line', 'a\nb\nc', 2],
    ['CRLF line', 'a\r\nb\r\nc\r\n', 1],
    ['only line', 'x', 0],
  ])('puts a removed %s back in place, restoring the exact text', (_name, text, index) => {
    const lines = without(text, [index]);
    expect(placeLine(lines, effectAt(text, index)).placement).toBe('in-place');
    expect(joinLines(lines)).toBe(text);
  });

  it('puts back neighbouring lines removed together, in recorded order', () => {
    const text = 'a\nb\nc\nd\n';
    const effects = [effectAt(text, 1), effectAt(text, 2)];
    const lines = without(text, [1, 2]);
    expect(placeLine(lines, effects[0]!, effects[1]).placement).toBe('in-place');
    expect(placeLine(lines, effects[1]!).placement).toBe('in-place');
    expect(joinLines(lines)).toBe(text);
  });

  it('gives a line appended after an unterminated last line an ending', () => {
    const lines = parseLines('x\ny');
    const effect = { ...effectAt('a\nL\nb\n', 1), before: 'gone', after: 'gone' };
    expect(placeLine(lines, effect).placement).toBe('appended');
    expect(joinLines(lines)).toBe('x\ny\nL\n');
  });

  it('reports an identical line already in the file instead of adding a second one', () => {
    const lines = parseLines('a\nL\nb\n');
    expect(placeLine(lines, effectAt('a\nb\nL\n', 2)).placement).toBe('already-present');
    expect(joinLines(lines)).toBe('a\nL\nb\n');
  });
});
