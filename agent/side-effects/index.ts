/**
 * Side effects of a detection: find them, record them exactly, remove them, put them back.
 * The quarantine uses only what is exported here.
 */
export type {
  FileSideEffect,
  FileSideEffectRole,
  FoundFileSideEffect,
  FoundSideEffect,
  LineSideEffect,
  LinePosition,
  LineSideEffectRole,
  SideEffect,
  SideEffectContents,
  SideEffectWarning,
} from './side-effect.js';
export { splitFoundSideEffects } from './side-effect.js';
export { SideEffectFileError, SideEffectPathError, SideEffectRestoreError, type RollbackFailure } from './side-effect-errors.js';
export {
  DEFAULT_MAX_COMPANION_BYTES,
  DEFAULT_MAX_CONFIG_BYTES,
  findSideEffects,
  type FindSideEffectsOptions,
  type SideEffectSearch,
} from './find-side-effects.js';
export { removeSideEffects, removeSideEffectsMany, type RemoveResult, type RemoveStatus } from './remove-side-effects.js';
export {
  checkRestorable,
  restoreSideEffects,
  restoreSideEffectsMany,
  type ItemRestoreOutcome,
  type RestoreConflict,
  type RestoreRequest,
  type RestoreResult,
} from './restore-side-effects.js';
export type { LinePlacement } from './line-edit.js';
