import { NO_SIDE_EFFECTS, type SideEffectPort } from './side-effect-port.js';

/** Connects the quarantine to the side-effects module for a root prefix. */
export function createSideEffectPort(root: string): SideEffectPort {
  void root;
  return NO_SIDE_EFFECTS;
}
