import { crc32, deflateRawSync } from 'node:zlib';

export interface ZipInput {
  readonly name: string;
  readonly data: Uint8Array;
  readonly method?: 'store' | 'deflate';
  /** Sets the encryption flag (the data stays as given: nothing here decrypts). */
  readonly encrypted?: boolean;
}

const le = (n: number, bytes: number): Buffer => {
  const b = Buffer.alloc(bytes);
  if (bytes === 8) b.writeBigUInt64LE(BigInt(n));
  else if (bytes === 4) b.writeUInt32LE(n >>> 0);
  else b.writeUInt16LE(n);
  return b;
};

/**
 * A zip as Info-ZIP would write it. With `zip64`, every size and offset goes to the zip64 extra
 * field and the zip64 end records, as `zip -fz` does for big archives.
 */
export function writeZip(entries: readonly ZipInput[], { zip64 = false } = {}): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name);
    const method = e.method === 'deflate' ? 8 : 0;
    const body = method === 8 ? deflateRawSync(e.data) : Buffer.from(e.data);
    const flags = e.encrypted ? 1 : 0;
    const crc = crc32(e.data);
    const extra = zip64 ? Buffer.concat([le(1, 2), le(24, 2), le(e.data.length, 8), le(body.length, 8), le(offset, 8)]) : Buffer.alloc(0);
    const size32 = zip64 ? 0xffffffff : e.data.length;
    const comp32 = zip64 ? 0xffffffff : body.length;
    const local = Buffer.concat([le(0x04034b50, 4), le(zip64 ? 45 : 20, 2), le(flags, 2), le(method, 2), le(0, 4), le(crc, 4), le(comp32, 4), le(size32, 4), le(name.length, 2), le(extra.length, 2), name, extra, body]);
    centrals.push(Buffer.concat([le(0x02014b50, 4), le(45, 2), le(zip64 ? 45 : 20, 2), le(flags, 2), le(method, 2), le(0, 4), le(crc, 4), le(comp32, 4), le(size32, 4), le(name.length, 2), le(extra.length, 2), le(0, 2), le(0, 2), le(0, 2), le(0, 4), le(zip64 ? 0xffffffff : offset, 4), name, extra]));
    locals.push(local);
    offset += local.length;
  }
  const dir = Buffer.concat(centrals);
  return Buffer.concat([...locals, dir, endRecords(entries.length, dir.length, offset, zip64)]);
}

function endRecords(count: number, dirSize: number, dirOffset: number, zip64: boolean): Buffer {
  if (!zip64) return Buffer.concat([le(0x06054b50, 4), le(0, 2), le(0, 2), le(count, 2), le(count, 2), le(dirSize, 4), le(dirOffset, 4), le(0, 2)]);
  const recordAt = dirOffset + dirSize;
  const record = Buffer.concat([le(0x06064b50, 4), le(44, 8), le(45, 2), le(45, 2), le(0, 4), le(0, 4), le(count, 8), le(count, 8), le(dirSize, 8), le(dirOffset, 8)]);
  const locator = Buffer.concat([le(0x07064b50, 4), le(0, 4), le(recordAt, 8), le(1, 4)]);
  return Buffer.concat([record, locator, le(0x06054b50, 4), le(0, 2), le(0, 2), le(0xffff, 2), le(0xffff, 2), le(0xffffffff, 4), le(0xffffffff, 4), le(0, 2)]);
}

/**
 * David Fifield's overlapping zip bomb, reduced: `count` central entries all point at one local
 * entry whose deflated data inflates to `size` bytes, so each "member" costs the full size again.
 */
export function writeOverlappingZip(count: number, size: number): Buffer {
  const data = Buffer.alloc(size, 0x41);
  const body = deflateRawSync(data, { level: 9 });
  const crc = crc32(data);
  const name = Buffer.from('x');
  const local = Buffer.concat([le(0x04034b50, 4), le(20, 2), le(0, 2), le(8, 2), le(0, 4), le(crc, 4), le(body.length, 4), le(size, 4), le(1, 2), le(0, 2), name, body]);
  const centrals: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const n = Buffer.from(`m${i}`);
    centrals.push(Buffer.concat([le(0x02014b50, 4), le(20, 2), le(20, 2), le(0, 2), le(8, 2), le(0, 4), le(crc, 4), le(body.length, 4), le(size, 4), le(n.length, 2), le(0, 2), le(0, 2), le(0, 2), le(0, 2), le(0, 4), le(0, 4), n]));
  }
  const dir = Buffer.concat(centrals);
  return Buffer.concat([local, dir, endRecords(count, dir.length, local.length, false)]);
}

/** A ustar archive of regular files (names up to 100 bytes). */
export function writeTar(entries: readonly { name: string; data: Uint8Array }[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const header = Buffer.alloc(512);
    header.write(e.name, 0, 100, 'utf8');
    header.write('0000644\0', 100);
    header.write('0000000\0', 108);
    header.write('0000000\0', 116);
    header.write(`${e.data.length.toString(8).padStart(11, '0')}\0`, 124);
    header.write('00000000000\0', 136);
    header.write('        ', 148);
    header[156] = 0x30;
    header.write('ustar\0', 257);
    header.write('00', 263);
    let sum = 0;
    for (const b of header) sum += b;
    header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
    parts.push(header, Buffer.from(e.data), Buffer.alloc((512 - (e.data.length % 512)) % 512));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}
