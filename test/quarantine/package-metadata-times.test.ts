import { decodeMetadata, encodeMetadata, type PackageMetadata } from '../../agent/quarantine/package-metadata.js';
import { QuarantineError } from '../../agent/quarantine/quarantine-errors.js';

const META: PackageMetadata = {
  id: '00000000000000aa', fileName: 'a.com', originalPath: '/a.com', dev: 1, ino: 2, mode: 0o644, uid: 0, gid: 0,
  atimeMs: 1700000000123.4568, mtimeMs: 1600000000987.6543, atimeNs: '1700000000123456789', mtimeNs: '1600000000987654321',
  userName: 'root', computer: 'pc', quarantinedAt: '2026-01-01T00:00:00.000Z', virusName: 'Eicar', detections: [], definitionsSequence: 3, sideEffects: [],
};

/** The package's metadata carries the nanosecond times, so a rebuilt record restores them exactly. */
describe('package metadata times', () => {
  it('round-trips the times to the nanosecond', () => {
    expect(decodeMetadata(encodeMetadata(META), META.id, '/p')).toMatchObject({ atimeNs: '1700000000123456789', mtimeNs: '1600000000987654321' });
  });

  it('gives a package written without them the microsecond its milliseconds held, as migration 004 does', () => {
    const { atimeNs: _a, mtimeNs: _m, ...older } = META;
    const bytes = Buffer.from(JSON.stringify({ format: 1, ...older }), 'utf8');
    expect(decodeMetadata(bytes, META.id, '/p')).toMatchObject({ atimeNs: '1700000000123457000', mtimeNs: '1600000000987654000' });
  });

  it('refuses a time that is not a whole number of nanoseconds', () => {
    const bytes = Buffer.from(JSON.stringify({ format: 1, ...META, mtimeNs: 12.5 }), 'utf8');
    expect(() => decodeMetadata(bytes, META.id, '/p')).toThrow(QuarantineError);
  });
});
