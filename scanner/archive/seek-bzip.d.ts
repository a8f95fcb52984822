// seek-bzip ships no types; only the part used here.
declare module 'seek-bzip' {
  interface ByteSink {
    writeByte(byte: number): void;
  }
  const Bunzip: {
    decode(input: Uint8Array, output: ByteSink, multistream?: boolean): unknown;
  };
  export default Bunzip;
}
