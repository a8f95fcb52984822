/** Edit distance (insertions, deletions, substitutions), case-insensitive. */
export function editDistance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  let previous = Array.from({ length: t.length + 1 }, (_, j) => j);
  for (let i = 1; i <= s.length; i++) {
    const current = [i];
    for (let j = 1; j <= t.length; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
    }
    previous = current;
  }
  return previous[t.length]!;
}

const lastPart = (key: string): string => key.slice(key.lastIndexOf('.') + 1);

/**
 * The known keys closest to an unknown one: a near spelling of the whole key, or the same name
 * in another section (`watch.maxSize` -> `quarantine.maxSize`, `log.maxSize`). Empty when
 * nothing is close enough to be a likely typo.
 */
export function closestKeys(unknown: string, known: readonly string[]): string[] {
  let best = Infinity;
  let found: string[] = [];
  for (const key of known) {
    const whole = editDistance(unknown, key);
    // Moving a name to the right section counts as one edit plus the name's own typos.
    const name = editDistance(lastPart(unknown), lastPart(key)) + 1;
    const score = Math.min(whole, name);
    const limit = Math.max(2, Math.floor(lastPart(key).length / 3));
    if (score > limit) continue;
    if (score < best) {
      best = score;
      found = [key];
    } else if (score === best) {
      found.push(key);
    }
  }
  return found;
}

/** ` (did you mean "a" or "b"?)`, or '' when there is no suggestion. */
export function suggestionText(unknown: string, known: readonly string[]): string {
  const keys = closestKeys(unknown, known);
  if (keys.length === 0) return '';
  return ` (did you mean ${keys.map((k) => `"${k}"`).join(' or ')}?)`;
}
