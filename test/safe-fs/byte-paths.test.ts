import { chownSync, closeSync, existsSync, lchownSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { removeCreated } from '../../agent/safe-fs/created-folders.js';
import { checkEntryName, createEntry, openRegularForReading, statEntry, unlinkEntry } from '../../agent/safe-fs/folder-entries.js';
import { closeFolder, openFolderBeneath, withFolderBeneath } from '../../agent/safe-fs/open-folder-beneath.js';
import { UnsafePathError } from '../../agent/safe-fs/unsafe-path-error.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const NOBODY = 65534;

/** Latin-1 `café` and `\xff`: bytes that are not UTF-8, so no string names them. */
const CAFE = Buffer.from('caf\xe9', 'latin1');
const FF = Buffer.from([0xff]);

function under(root: string, ...parts: Buffer[]): Buffer {
  return Buffer.concat([Buffer.from(root), ...parts.flatMap((p) => [Buffer.from('/'), p])]);
}

/** The beneath-a-folder layer with paths as bytes (FsPath): names that are not UTF-8 act exactly. */
describe('safe-fs with byte paths', () => {
  let root: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    let dir: string;
    ({ dir, cleanup } = await makeTempDir('epq-safefs-bytes-'));
    root = join(dir, 'root');
    mkdirSync(join(root, 'home', 'u'), { recursive: true, mode: 0o755 });
    mkdirSync(join(root, 'etc'), { mode: 0o755 });
    chownSync(join(root, 'home', 'u'), NOBODY, NOBODY);
  });
  afterEach(() => cleanup());

  it('opens, creates and removes folders and files whose names are not UTF-8, byte for byte', () => {
    const dir = under(root, Buffer.from('home'), Buffer.from('u'), CAFE, FF);
    const folder = openFolderBeneath(root, dir, { createMode: 0o755 });
    try {
      expect(folder.created).toEqual([under(root, Buffer.from('home'), Buffer.from('u'), CAFE), dir]);
      closeSync(createEntry(folder, FF, 0o600));
      expect(statEntry(folder, FF)).toMatchObject({ size: 0 });
      const { fd } = openRegularForReading(folder, FF);
      closeSync(fd);
    } finally {
      closeFolder(folder);
    }
    // The very bytes are on disk, not a decoded stand-in.
    expect(readdirSync(join(root, 'home', 'u'), { encoding: 'buffer' })).toEqual([CAFE]);
    expect(readdirSync(dir, { encoding: 'buffer' })).toEqual([FF]);
    withFolderBeneath(root, dir, (f) => unlinkEntry(f, FF));
    removeCreated(root, folder.created);
    expect(existsSync(under(root, Buffer.from('home'), Buffer.from('u'), CAFE))).toBe(false);
  });

  it('refuses a planted link named in bytes, a byte path outside the root and a byte name with a slash', () => {
    const link = under(root, Buffer.from('home'), Buffer.from('u'), CAFE);
    symlinkSync(join(root, 'etc'), link);
    lchownSync(link, NOBODY, NOBODY);
    let refused: unknown;
    try {
      openFolderBeneath(root, Buffer.concat([link, Buffer.from('/new')]), { createMode: 0o755 });
    } catch (err) {
      refused = err;
    }
    expect(refused).toBeInstanceOf(UnsafePathError);
    expect((refused as UnsafePathError).reason).toBe('symlink');
    expect((refused as UnsafePathError).at).toBe(`${join(root, 'home', 'u')}/caf\\xe9`);
    expect(existsSync(join(root, 'etc', 'new'))).toBe(false);
    expect(() => openFolderBeneath(root, Buffer.concat([Buffer.from(`${root}x/`), CAFE]))).toThrow(UnsafePathError);
    expect(() => openFolderBeneath(root, under(root, Buffer.from('..'), CAFE))).toThrow(UnsafePathError);
    expect(() => checkEntryName(Buffer.concat([CAFE, Buffer.from('/x')]))).toThrow(UnsafePathError);
    writeFileSync(join(root, 'etc', 'keep'), 'x');
    expect(readdirSync(join(root, 'etc'))).toEqual(['keep']);
  });
});
