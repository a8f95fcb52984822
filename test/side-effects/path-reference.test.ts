import { makePathMatcher } from '../../agent/side-effects/path-reference.js';

describe('makePathMatcher', () => {
  const matches = makePathMatcher('/opt/x.bin');

  it.each([
    '/opt/x.bin',
    '* * * * * root /opt/x.bin --flag',
    '"/opt/x.bin"',
    "sh -c '/opt/x.bin'",
    'Exec=/opt/x.bin %U',
    'ExecStart=-/opt/x.bin',
    'ExecStart=@/opt/x.bin name',
    '/usr/lib/a.so:/opt/x.bin',
    '$(/opt/x.bin)',
    '/opt/x.bin;echo done',
    'URL=file:///opt/x.bin',
    'nohup /opt/x.bin >/dev/null 2>&1 &',
  ])('matches %j', (line) => expect(matches(line)).toBe(true));

  it.each([
    '/opt/x.bin2',
    '/opt/x.bin.bak',
    '/opt/x.bin/inner',
    '/usr/opt/x.bin',
    'prefix/opt/x.bin',
    '/opt/x_bin',
    '/opt/xxbin',
  ])('does not match %j', (line) => expect(matches(line)).toBe(false));

  it('matches the backslash-escaped shell spelling of a path with spaces', () => {
    const spaced = makePathMatcher('/opt/my app/x.bin');
    expect(spaced('/opt/my\\ app/x.bin &')).toBe(true);
    expect(spaced('"/opt/my app/x.bin" &')).toBe(true);
    expect(spaced('/opt/my')).toBe(false);
  });

  it('matches home-relative spellings only for the home given', () => {
    const inBob = makePathMatcher('/home/bob/.cache/x.bin', '/home/bob');
    for (const line of ['~/.cache/x.bin &', '"$HOME/.cache/x.bin"', '${HOME}/.cache/x.bin', 'ExecStart=%h/.cache/x.bin']) {
      expect(inBob(line)).toBe(true);
    }
    expect(inBob('~/.cache/x.bin2')).toBe(false);
    expect(makePathMatcher('/home/bob/.cache/x.bin', '/home/alice')('~/.cache/x.bin')).toBe(false);
    expect(makePathMatcher('/home/bob/.cache/x.bin')('~/.cache/x.bin')).toBe(false);
  });
});
