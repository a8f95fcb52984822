import { basenameFsPath, dirnameFsPath, fsPathOf, joinFsPath, showPath } from '../agent/fs-path.js';

describe('FsPath: paths as the file system gave them', () => {
  const latin1 = Buffer.from('/srv/caf\xe9.com', 'latin1');

  it('keeps valid UTF-8 as a string and anything else as bytes', () => {
    expect(fsPathOf(Buffer.from('/srv/café.com'))).toBe('/srv/café.com');
    expect(fsPathOf(latin1)).toEqual(latin1);
    // A lone surrogate's bytes (CESU) and an overlong `/` are not UTF-8 either.
    expect(Buffer.isBuffer(fsPathOf(Buffer.from([0xed, 0xa0, 0x80])))).toBe(true);
    expect(Buffer.isBuffer(fsPathOf(Buffer.from([0xc0, 0xaf])))).toBe(true);
  });

  it('joins and splits bytes exactly', () => {
    expect(joinFsPath('/srv', Buffer.from([0xff]))).toEqual(Buffer.from([0x2f, 0x73, 0x72, 0x76, 0x2f, 0xff]));
    expect(joinFsPath('/srv/', 'a')).toBe('/srv/a');
    expect(dirnameFsPath(latin1)).toBe('/srv');
    expect(basenameFsPath(latin1)).toEqual(Buffer.from('caf\xe9.com', 'latin1'));
    expect(dirnameFsPath('/a')).toBe('/');
  });

  it('shows invalid bytes and control characters as \\xNN, valid text as it is', () => {
    expect(showPath(latin1)).toBe('/srv/caf\\xe9.com');
    expect(showPath(Buffer.from([0xff, 0xfe, 0x2e, 0x63]))).toBe('\\xff\\xfe.c');
    expect(showPath('/srv/café\n\x1b[2J')).toBe('/srv/café\\n\\x1b[2J');
    expect(showPath(Buffer.concat([Buffer.from('é'), Buffer.from([0xe9])]))).toBe('é\\xe9');
  });
});
