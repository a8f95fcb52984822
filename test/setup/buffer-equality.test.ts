describe('byte buffer equality (test set-up)', () => {
  it('tells equal from different buffers, down to the last byte', () => {
    const a = Buffer.alloc(1 << 20, 7);
    const b = Buffer.from(a);
    expect(a).toEqual(b);
    b[b.length - 1] = 8;
    expect(a).not.toEqual(b);
    expect(a).not.toEqual(a.subarray(1));
  });

  it('compares views by their own bytes, and keeps a Buffer apart from a plain Uint8Array', () => {
    const backing = Buffer.from('xxhelloxx');
    expect(backing.subarray(2, 7)).toEqual(Buffer.from('hello'));
    expect(Buffer.from('hello')).not.toEqual(new Uint8Array(Buffer.from('hello')));
    expect({ bytes: Buffer.from('a') }).not.toEqual({ bytes: Buffer.from('b') });
  });
});
