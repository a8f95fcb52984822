// Swaps two names over and over with renameat2(RENAME_EXCHANGE), as a local user attacking a
// check-then-use race would: `node exchange-loop.mjs ADDON A B [SWAPPED_US ORIGINAL_US]`. It
// holds the swapped state for SWAPPED_US microseconds and the original one for ORIGINAL_US
// (0 and 0: as fast as it can), so that a victim mostly sees the original and is caught between
// its check and its use. On SIGTERM it leaves both names as they were at the start, prints how
// many swaps it made, and exits.
import { createRequire } from 'node:module';

const [addonPath, a, b, swappedUs = '0', originalUs = '0'] = process.argv.slice(2);
const native = createRequire(import.meta.url)(addonPath);
const { AT_FDCWD, RENAME_EXCHANGE } = native.constants;
const hold = [BigInt(swappedUs) * 1000n, BigInt(originalUs) * 1000n];
let swaps = 0;
let stopping = false;
process.on('SIGTERM', () => (stopping = true));

function spin(ns) {
  const until = process.hrtime.bigint() + ns;
  while (process.hrtime.bigint() < until);
}

function burst() {
  if (stopping) {
    if (swaps % 2 === 1) {
      native.renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE);
      swaps++;
    }
    process.stdout.write(`${swaps}\n`);
    process.exit(0);
  }
  // Bursts, so that SIGTERM is seen between them; each ends in the original state.
  for (let i = 0; i < 200; i++) {
    native.renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE);
    swaps++;
    spin(hold[swaps % 2 === 1 ? 0 : 1]);
  }
  setImmediate(burst);
}
process.stdout.write('ready\n');
burst();
