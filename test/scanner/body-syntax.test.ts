import { parseBody } from '../../scanner/body-syntax.js';
import { FieldSyntaxError } from '../../scanner/errors.js';
import { parseOffset } from '../../scanner/offset-syntax.js';

describe('body syntax', () => {
  it('parses exact bytes, upper or lower case', () => {
    expect(parseBody('aB01')).toEqual([{ minGapBefore: 0, tokens: [{ kind: 'byte', value: 0xab, mask: 0xff }, { kind: 'byte', value: 0x01, mask: 0xff }] }]);
  });

  it('parses ?? and both nibble forms', () => {
    const [part] = parseBody('aa??4??bbb');
    expect(part!.tokens).toEqual([
      { kind: 'byte', value: 0xaa, mask: 0xff },
      { kind: 'byte', value: 0, mask: 0 },
      { kind: 'byte', value: 0x40, mask: 0xf0 },
      { kind: 'byte', value: 0x0b, mask: 0x0f },
      { kind: 'byte', value: 0xbb, mask: 0xff },
    ]);
  });

  it('parses bounded gaps {n}, {-n}, {n-m}', () => {
    const gaps = parseBody('aa{3}bb{-4}cc{2-7}dd')[0]!.tokens.filter((t) => t.kind === 'gap');
    expect(gaps).toEqual([
      { kind: 'gap', min: 3, max: 3 },
      { kind: 'gap', min: 0, max: 4 },
      { kind: 'gap', min: 2, max: 7 },
    ]);
  });

  it('splits parts at * and {n-}', () => {
    const parts = parseBody('aabb*ccdd{5-}eeff');
    expect(parts.map((p) => p.minGapBefore)).toEqual([0, 0, 5]);
    expect(parts.map((p) => p.tokens.length)).toEqual([2, 2, 2]);
  });

  it('parses alternatives and negated alternatives', () => {
    const tokens = parseBody('aa(0102|03)!(04|05)bb')[0]!.tokens;
    expect(tokens[1]).toEqual({ kind: 'alt', negated: false, options: [[{ value: 1, mask: 0xff }, { value: 2, mask: 0xff }], [{ value: 3, mask: 0xff }]] });
    expect(tokens[2]).toEqual({ kind: 'alt', negated: true, options: [[{ value: 4, mask: 0xff }], [{ value: 5, mask: 0xff }]] });
  });

  it.each([
    ['aab', /odd number of hex digits at column 3/],
    ['aazz', /unsupported token "zz" at column 3/],
    ['aa[1-2]bb', /unsupported token "\[1" at column 3/],
    ['aa{3bb', /unclosed "\{" at column 3/],
    ['aa{x}bb', /malformed range "\{x\}"/],
    ['aa{5-2}bb', /min > max/],
    ['aa{-}bb', /malformed range/],
    ['aa(bb', /unclosed "\(" at column 3/],
    ['aa(bb|)cc', /empty alternative/],
    ['aa(bb)cc', /needs at least two choices/],
    ['aa!(bb|cccc)dd', /must all have the same length/],
    ['aa(B)bb', /unsupported anchor "\(B\)"/],
    ['*aabb', /empty part before column 1/],
    ['aabb*', /empty part before column 6/],
    ['aa**bb', /empty part/],
    ['{2}aabb', /gap cannot start or end/],
    ['aa{99999999}bb', /larger than/],
    ['', /empty body/],
  ])('refuses %j', (body, message) => {
    expect(() => parseBody(body)).toThrow(FieldSyntaxError);
    expect(() => parseBody(body)).toThrow(message);
  });
});

describe('offset syntax', () => {
  it.each([
    ['*', { kind: 'any' }],
    ['12', { kind: 'absolute', start: 12, maxShift: 0 }],
    ['12,30', { kind: 'absolute', start: 12, maxShift: 30 }],
    ['EOF-8', { kind: 'from-end', back: 8, maxShift: 0 }],
    ['EOF-8,2', { kind: 'from-end', back: 8, maxShift: 2 }],
  ])('parses %s', (text, spec) => expect(parseOffset(text)).toEqual(spec));

  it.each([
    ['EP+10', /unsupported offset "EP\+10"/],
    ['S1+4', /unsupported offset/],
    ['VI', /unsupported offset/],
    ['-3', /unsupported offset/],
    ['EOF-x', /not a decimal number/],
    ['1,2,3', /more than one ","/],
    ['4,x', /maxshift "x" is not a decimal number/],
  ])('refuses %s', (text, message) => expect(() => parseOffset(text)).toThrow(message));
});
