import { displayWidth, fitToWidth, truncateToWidth } from '../../agent/text/display-width.js';
import { formatLocalTime } from '../../agent/text/format-time.js';
import { printable } from '../../agent/text/printable.js';

/** Nothing a terminal would act on: no C0/C1 control, DEL, bidi control or line separator. */
export function assertInert(text: string): void {
  expect(text).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/u);
}

describe('printable', () => {
  it.each([
    ['a\nb', 'a\\nb'],
    ['a\r\tb', 'a\\r\\tb'],
    ['\x1b]0;owned\x07title', '\\x1b]0;owned\\x07title'],
    ['\x1b[2J\x1b[H', '\\x1b[2J\\x1b[H'],
    ['\x1b[41mred', '\\x1b[41mred'],
    ['bell\x07', 'bell\\x07'],
    ['del\x7f', 'del\\x7f'],
    ['c1\u009b31m', 'c1\\u009b31m'],
    ['\u202etxt.exe', '\\u202etxt.exe'],
    ['\u2066iso\u2069', '\\u2066iso\\u2069'],
    ['line\u2028sep', 'line\\u2028sep'],
    ['lone\ud800', 'lone\\ud800'],
  ])('escapes %j', (raw, shown) => {
    expect(printable(raw)).toBe(shown);
    assertInert(printable(raw));
  });

  it('leaves ordinary text, CJK, emoji (with joiners) and backslashes alone, so escaping twice changes nothing', () => {
    for (const text of ['report.pdf', '日本語のファイル.txt', '👩‍👩‍👧 family.png', 'e\u0301te', 'C:\\dir\\x1b']) {
      expect(printable(text)).toBe(text);
    }
    const hostile = 'x\n\x1b[2J\u202e\x07';
    expect(printable(printable(hostile))).toBe(printable(hostile));
  });

  it('decodes bytes as UTF-8 and shows each invalid byte as \\xNN', () => {
    expect(printable(Buffer.from('café.com', 'latin1'))).toBe('caf\\xe9.com');
    expect(printable(Buffer.from([0xff, 0xfe, 0x2e, 0x63]))).toBe('\\xff\\xfe.c');
    expect(printable(Buffer.from('日本\n', 'utf8'))).toBe('日本\\n');
    // Overlong "/", an encoded surrogate and a cut sequence are not UTF-8.
    expect(printable(Buffer.from([0xc0, 0xaf]))).toBe('\\xc0\\xaf');
    expect(printable(Buffer.from([0xed, 0xa0, 0x80]))).toBe('\\xed\\xa0\\x80');
    expect(printable(Buffer.from([0x61, 0xe6, 0x97]))).toBe('a\\xe6\\x97');
    expect(printable(Buffer.from([0x1b, 0x5b, 0x32, 0x4a]))).toBe('\\x1b[2J');
  });
});

describe('display width', () => {
  it('counts CJK and emoji as two columns', () => {
    expect(displayWidth('日本語')).toBe(6);
    expect(displayWidth('😀a')).toBe(3);
    expect(displayWidth('e\u0301')).toBe(1);
  });

  it('cuts by columns, never through a wide character, and pads to the exact width', () => {
    const cjk = '漢'.repeat(85); // 255 bytes of UTF-8, the longest name Linux allows
    expect(Buffer.byteLength(cjk)).toBe(255);
    const cut = truncateToWidth(cjk, 20);
    expect(cut.endsWith('…')).toBe(true);
    expect(displayWidth(cut)).toBeLessThanOrEqual(20);
    expect(displayWidth(fitToWidth(cjk, 21))).toBe(21);
    expect(displayWidth(fitToWidth('👩‍👩‍👧👩‍👩‍👧👩‍👩‍👧', 5))).toBe(5);
    expect(truncateToWidth('short', 10)).toBe('short');
  });
});

describe('formatLocalTime', () => {
  it('shows local time with its offset, and unreadable dates as they are', () => {
    const shown = formatLocalTime('2026-01-02T03:04:05.000Z');
    expect(shown).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4}$/);
    const back = Date.parse(shown.replace(' ', 'T').replace(/ ([+-]\d\d)(\d\d)$/, '$1:$2'));
    expect(back).toBe(Date.parse('2026-01-02T03:04:05.000Z'));
    expect(formatLocalTime('not a date')).toBe('not a date');
    expect(formatLocalTime('')).toBe('-');
  });
});
