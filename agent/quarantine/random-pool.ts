import { randomFillSync } from 'node:crypto';

/**
 * Cryptographically random bytes handed out from a 4 KB pool: a batch needs an item id and a
 * GCM IV per file, and one call into the CSPRNG per 4 KB costs far less than two per file
 * (profiled: 15-20 us a call). The bytes are as random as randomBytes'; only the calls are
 * pooled. Each byte is handed out once.
 */
const pool = Buffer.alloc(4096);
let used = pool.length;

export function pooledRandomBytes(n: number): Buffer {
  if (n > pool.length) return randomFillSync(Buffer.alloc(n));
  if (used + n > pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  // A copy: the pool is refilled in place, and callers keep what they got.
  const out = Buffer.from(pool.subarray(used, used + n));
  used += n;
  return out;
}
