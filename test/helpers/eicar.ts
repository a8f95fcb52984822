/**
 * The EICAR anti-virus test file, assembled at run time so that the literal string never sits
 * in a committed file (our own scans of the repo would flag it).
 */
export function eicarBytes(): Buffer {
  return Buffer.from(['X5O!P%@AP[4\\PZX54(P^)7CC)7}$', 'EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*'].join(''), 'latin1');
}
