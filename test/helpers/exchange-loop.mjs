// Swaps two names over and over with renameat2(RENAME_EXCHANGE), as a local user attacking a
// check-then-use race would: `node exchange-loop.mjs ADDON A B`. On SIGTERM it leaves both
// names as they were at the start, prints how many swaps it made, and exits.
import { createRequire } from 'node:module';

const [addonPath, a, b] = process.argv.slice(2);
const native = createRequire(import.meta.url)(addonPath);
const { AT_FDCWD, RENAME_EXCHANGE } = native.constants;
let swaps = 0;
let stopping = false;
process.on('SIGTERM', () => (stopping = true));

function burst() {
  if (stopping) {
    if (swaps % 2 === 1) {
      native.renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE);
      swaps++;
    }
    process.stdout.write(`${swaps}\n`);
    process.exit(0);
  }
  // Bursts, so that SIGTERM is seen between them.
  for (let i = 0; i < 200; i++) {
    native.renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE);
    swaps++;
  }
  setImmediate(burst);
}
process.stdout.write('ready\n');
burst();
