import { parseSignatureFiles, type SignatureFile } from '../../scanner/signature-database.js';
import { SignatureSyntaxError } from '../../scanner/errors.js';

const file = (name: string, text: string): SignatureFile => ({ name, data: new TextEncoder().encode(text) });
const md5 = '44d88612fea8a8f36de82e1278abb02f';
const sha1 = 'a'.repeat(40);
const sha256 = 'b'.repeat(64);

describe('signature files', () => {
  it('loads each file type and counts detection signatures', () => {
    const db = parseSignatureFiles([
      file('a.hdb', `${md5}:68:One\n\n# a comment\n`),
      file('b.hsb', `${sha1}:10:Two\r\n${sha256}:*:Three:73\n${md5}:5:Four\n`),
      file('c.ndb', 'Five:0:*:aabbccdd\n'),
      file('d.fp', `${md5}:68:Allowed\n`),
      file('e.sfp', `${sha256}:12:AllowedToo\n`),
      file('f.ign2', 'Five\n'),
    ]);
    expect(db.signatureCount).toBe(5);
    expect(db.hashTables.map((t) => [t.algorithm, t.count]).sort()).toEqual([['md5', 2], ['sha1', 1], ['sha256', 1]]);
    expect(db.allowTables.map((t) => [t.algorithm, t.count]).sort()).toEqual([['md5', 1], ['sha256', 1]]);
    expect(db.bodies.map((b) => b.name)).toEqual(['Five']);
    expect(db.ignoredNames).toEqual(['Five']);
  });

  it('skips lines outside our functionality level, as ClamAV does', () => {
    const db = parseSignatureFiles([file('x.ndb', 'Old:0:*:aabbccdd:1:20\nNew:0:*:aabbccdd:99999\nNow:0:*:aabbccdd:10\n')]);
    expect(db.bodies.map((b) => b.name)).toEqual(['Now']);
  });

  it.each([
    ['bad.hdb', `${sha1}:10:X\n`, 'bad.hdb:1: hash', /expected md5 \(32\)/],
    ['bad.hsb', `ok:1\n`, 'bad.hsb:1:', /expected hash:size:name/],
    ['bad.hsb', `${sha256}:1:Fine\n${sha256}:ten:X\n`, 'bad.hsb:2:', /size "ten" is not a decimal number/],
    ['bad.hsb', `${sha256}:10:\n`, 'bad.hsb:1:', /empty signature name/],
    ['bad.hsb', `${'g'.repeat(64)}:10:X\n`, 'bad.hsb:1:', /is not hexadecimal/],
    ['bad.ndb', 'X:0:*\n', 'bad.ndb:1:', /expected name:target:offset:hexbody/],
    ['bad.ndb', 'Ok:0:*:aabb\nX:99:*:aabb\n', 'bad.ndb:2:', /unsupported target type "99"/],
    ['bad.ndb', 'X:0:EP+0:aabb\n', 'bad.ndb:1:', /unsupported offset "EP\+0"/],
    ['bad.ndb', ':0:*:aabb\n', 'bad.ndb:1:', /empty signature name/],
    ['bad.ndb', 'X:0:*:aa[1-2]bb\n', 'bad.ndb:1:', /unsupported token/],
    ['bad.ign2', 'Name:1234\n', 'bad.ign2:1:', /only plain signature names/],
    ['main.ldb', 'X;Engine:51-255,Target:0;0;aabb\n', 'main.ldb:0:', /unsupported signature file type ".ldb"/],
  ])('refuses %s with line %#', (name, text, prefix, message) => {
    let error: unknown;
    try {
      parseSignatureFiles([file(name, text)]);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(SignatureSyntaxError);
    expect((error as Error).message.startsWith(prefix)).toBe(true);
    expect((error as Error).message).toMatch(message);
  });
});

describe('streamed signature files', () => {
  const text = `${md5}:68:One\n# note\n${'c'.repeat(64)}:100:Two\n\n${'d'.repeat(40)}:*:Three:73`;
  const chunked = (size: number): SignatureFile => {
    const bytes = new TextEncoder().encode(text);
    return { name: 's.hsb', chunks: () => Array.from({ length: Math.ceil(bytes.length / size) }, (_, i) => bytes.subarray(i * size, (i + 1) * size)) };
  };

  it.each([1, 2, 7, 64, 4096])('parses the same entries whatever the chunk size (%i)', (size) => {
    const whole = parseSignatureFiles([file('s.hsb', text)]);
    const streamed = parseSignatureFiles([chunked(size)]);
    const summary = (db: typeof whole) => db.hashTables.map((t) => [t.algorithm, t.count, Buffer.from(t.digests).toString('hex'), Array.from(t.sizes)]).sort();
    expect(summary(streamed)).toEqual(summary(whole));
    expect(streamed.signatureCount).toBe(3);
  });

  it('numbers lines across chunk edges in errors', () => {
    const bytes = new TextEncoder().encode(`${md5}:1:A\n${md5}:2:B\n${md5}:x:C\n`);
    const file3: SignatureFile = { name: 'c.hdb', chunks: () => [bytes.subarray(0, 40), bytes.subarray(40, 41), bytes.subarray(41)] };
    expect(() => parseSignatureFiles([file3])).toThrow('c.hdb:3: size "x" is not a decimal number');
  });
});
