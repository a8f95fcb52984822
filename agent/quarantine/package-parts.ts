import { decryptPackage } from './package-cipher.js';
import { QuarantineError } from './quarantine-errors.js';
import type { QuarantineItem } from './quarantine-item.js';

/**
 * Splits a decrypted package into its parts: first the quarantined file (`item.size` bytes),
 * then the bytes of each file side effect, in the order recorded. The main file is handed out
 * in chunks (it can be large); side-effect files are small and collected whole.
 * @throws QuarantineError `content` for a tampered blob or one whose parts don't add up.
 */
export function readPackage(
  blobPath: string,
  key: Buffer,
  item: QuarantineItem,
  onMain: (chunk: Buffer) => void,
): (Buffer | undefined)[] {
  const sizes = item.sideEffects.map((e) => (e.kind === 'file' ? Number(e['size'] ?? 0) : -1));
  const contents: (Buffer | undefined)[] = sizes.map(() => undefined);
  const pending: Buffer[] = [];
  let mainLeft = item.size;
  let part = 0;
  let partLeft = 0;
  const nextPart = (): void => {
    for (; part < sizes.length && sizes[part]! <= 0; part++) {
      if (sizes[part] === 0) contents[part] = Buffer.alloc(0);
    }
    partLeft = part < sizes.length ? sizes[part]! : 0;
  };
  nextPart();
  let overflow = 0;
  decryptPackage(blobPath, key, item.id, (chunk) => {
    let at = 0;
    if (mainLeft > 0) {
      const n = Math.min(mainLeft, chunk.length);
      onMain(chunk.subarray(0, n));
      mainLeft -= n;
      at = n;
    }
    while (at < chunk.length) {
      if (part >= sizes.length) {
        overflow += chunk.length - at;
        return;
      }
      const n = Math.min(partLeft, chunk.length - at);
      pending.push(Buffer.from(chunk.subarray(at, at + n)));
      partLeft -= n;
      at += n;
      if (partLeft === 0) {
        contents[part] = Buffer.concat(pending.splice(0));
        part++;
        nextPart();
      }
    }
  });
  if (mainLeft > 0 || overflow > 0 || part < sizes.length) {
    throw new QuarantineError('content', `quarantine package of ${item.id} does not match its record (parts ${mainLeft > 0 ? 'missing' : 'left over'})`, { id: item.id });
  }
  return contents;
}
