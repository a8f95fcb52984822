import { EpqMetaError } from '../../definitions/errors.js';
import { EMPTY_EPQ_META, listCompanions, parseEpqMeta } from '../../definitions/epq-meta.js';

function metaError(text: string): EpqMetaError {
  try {
    parseEpqMeta(text, 'epq-meta.json');
  } catch (err) {
    expect(err).toBeInstanceOf(EpqMetaError);
    return err as EpqMetaError;
  }
  throw new Error('accepted');
}

test('a valid file parses, and an empty object means no side effects', () => {
  const meta = parseEpqMeta('{"sideEffects":{"Epq.Demo.Dropper":{"companions":["/tmp/a","/var/tmp/*.payload"]}}}');
  expect(listCompanions(meta, 'Epq.Demo.Dropper')).toEqual(['/tmp/a', '/var/tmp/*.payload']);
  expect(listCompanions(meta, 'Other')).toEqual([]);
  expect(listCompanions(meta, 'toString')).toEqual([]);
  expect(parseEpqMeta('{}')).toEqual(EMPTY_EPQ_META);
});

test('each kind of mistake is named by its key', () => {
  const cases: [string, string][] = [
    ['{"sideEffect":{}}', 'epq-meta.json: sideEffect: unknown key (allowed here: sideEffects)'],
    ['[]', 'epq-meta.json: expected a JSON object at the top level'],
    ['{"sideEffects":[]}', 'epq-meta.json: sideEffects: expected an object mapping signature names to descriptors'],
    ['{"sideEffects":{"A":{"companions":["/x"],"persist":1}}}', 'epq-meta.json: sideEffects["A"].persist: unknown key (allowed here: companions)'],
    ['{"sideEffects":{"A":{}}}', 'epq-meta.json: sideEffects["A"].companions: missing (a list of absolute paths or globs)'],
    ['{"sideEffects":{"A":{"companions":"/x"}}}', 'epq-meta.json: sideEffects["A"].companions: expected a list of absolute paths or globs'],
    ['{"sideEffects":{"A":{"companions":["relative/x"]}}}', 'epq-meta.json: sideEffects["A"].companions[0]: "relative/x" must be an absolute path or glob'],
    ['{"sideEffects":{"A":{"companions":["/x",""]}}}', 'epq-meta.json: sideEffects["A"].companions[1]: expected a non-empty string'],
    ['{"sideEffects":{"A":{"companions":["/tmp/../etc/passwd"]}}}', 'epq-meta.json: sideEffects["A"].companions[0]: "/tmp/../etc/passwd" must not contain ".."'],
    ['{"sideEffects":{"A:B":{"companions":[]}}}', 'epq-meta.json: sideEffects["A:B"]: signature name must not contain ":" or white space'],
    ['{"sideEffects":{"A":"/x"}}', 'epq-meta.json: sideEffects["A"]: expected an object such as {"companions": [...]}'],
  ];
  for (const [text, message] of cases) expect(metaError(text).message).toBe(message);
  expect(metaError('{"sideEffects":').message).toMatch(/^epq-meta\.json: not valid JSON/);
  expect(metaError('{"sideEffects":{"A":{"companions":["/x"],"persist":1}}}').key).toBe('sideEffects["A"].persist');
});

test('a signature named __proto__ stays plain data', () => {
  const meta = parseEpqMeta('{"sideEffects":{"__proto__":{"companions":["/tmp/p"]}}}');
  expect(listCompanions(meta, '__proto__')).toEqual(['/tmp/p']);
  expect(Object.getPrototypeOf(meta.sideEffects)).toBe(Object.prototype);
});

test('companion globs keep to the limits: none bare in a system or shared folder, at most 16 per signature', () => {
  const companions = (list: string[]) => JSON.stringify({ sideEffects: { A: { companions: list } } });
  const accepted = ['/etc/evil-*', '/etc/cron.d/evil?', '/opt/evil/*', '/var/tmp/*.payload', '/home/bob/.cache/*', '/usr/lib/evil*.so'];
  expect(listCompanions(parseEpqMeta(companions(accepted)), 'A')).toEqual(accepted);
  const refused: [string, string][] = [
    ['/etc/*', 'is a bare glob in the system folder /etc'],
    ['/etc/*.conf', 'is a bare glob in the system folder /etc'],
    ['/usr/bin/*', 'is a bare glob in the system folder /usr/bin'],
    ['/usr/bin/a?*', 'is a bare glob in the system folder /usr/bin'],
    ['/lib/systemd/system/*.service', 'is a bare glob in the system folder /lib/systemd/system'],
    ['//etc//*', 'is a bare glob in the system folder /etc'],
    ['/*', 'is a bare glob in the shared folder /'],
    ['/tmp/*', 'is a bare glob in the shared folder /tmp'],
    ['/home/bob/*.x', 'is a bare glob in the shared folder /home/bob'],
    ['/opt/*/x', '"*" and "?" are only allowed in the last path component'],
  ];
  for (const [pattern, why] of refused) {
    const err = metaError(companions(['/opt/evil/ok', pattern]));
    expect(err.key).toBe('sideEffects["A"].companions[1]');
    expect(err.reason).toContain(`${JSON.stringify(pattern)} ${why}`);
  }
  expect(metaError(companions(Array.from({ length: 17 }, (_, i) => `/opt/evil/f${i}`))).reason).toBe('17 patterns, more than the 16 a signature may declare');
  expect(listCompanions(parseEpqMeta(companions(Array.from({ length: 16 }, (_, i) => `/opt/evil/f${i}`))), 'A')).toHaveLength(16);
});
