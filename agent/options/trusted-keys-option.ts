import type { OptionSpec } from './option-spec.js';

/** Trusted public keys: a real agent option (config `definitions.trustedKeys`), reused by scan and defs. */
export const TRUSTED_KEYS_OPTION: OptionSpec = {
  key: 'definitions.trustedKeys',
  flag: 'pub',
  type: 'strings',
  default: undefined,
  help: 'Public key file (PEM) trusted to sign definitions; repeat --pub for several keys',
};
