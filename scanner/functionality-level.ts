/**
 * The ClamAV "functionality level" epq answers to. Signature lines may carry a minimum and a
 * maximum level; ClamAV skips lines outside its own level, and so do we, so that a database
 * loads to the same signatures in both.
 */
export const FUNCTIONALITY_LEVEL = 200;

/** Whether a line with these optional min/max level fields applies to us. */
export function appliesToThisLevel(min: number | undefined, max: number | undefined): boolean {
  return (min === undefined || min <= FUNCTIONALITY_LEVEL) && (max === undefined || max >= FUNCTIONALITY_LEVEL);
}
