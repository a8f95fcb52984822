import { loadConfig, overridesFromArgv } from '../../agent/config/index.js';

describe('flags of nullable options', () => {
  it('--log-file null means no log file, not a file named "null"', async () => {
    const overrides = overridesFromArgv({ 'log-file': 'null', 'central-url': 'null', 'state-dir': '/tmp/epq-null-flag' });
    expect(overrides).toMatchObject({ 'log.file': null, 'central.url': null, stateDir: '/tmp/epq-null-flag' });
    const config = await loadConfig({ overrides });
    expect(config.log.file).toBeNull();
  });
});
