import { readFileSync } from 'node:fs';
import { renderOptionsMarkdown } from '../../agent/config/index.js';
import { SERVER_LIMIT_OPTIONS } from '../../agent/options/central-server-options.js';
import { checkServerLimits, DEFAULT_SERVER_LIMITS } from '../../central/server-limits.js';
import { REPO_ROOT } from '../helpers/run-cli.js';

describe('Central Quarantine server limits', () => {
  it('are shown in the README exactly as their flags render them', () => {
    expect(readFileSync(`${REPO_ROOT}/README.md`, 'utf8')).toContain(renderOptionsMarkdown(SERVER_LIMIT_OPTIONS).trimEnd());
  });

  it('have defaults that fit together, and refuse limits that do not, naming the one at fault', () => {
    expect(checkServerLimits(DEFAULT_SERVER_LIMITS)).toBe(DEFAULT_SERVER_LIMITS);
    expect(() => checkServerLimits({ ...DEFAULT_SERVER_LIMITS, headersTimeoutMs: 700_000 })).toThrow(/header timeout \(700000 ms\) can't be longer than the request timeout \(600000 ms\)/);
    expect(() => checkServerLimits({ ...DEFAULT_SERVER_LIMITS, maxUploadsPerClient: 100 })).toThrow(/uploads per client \(100\) can't be more than uploads in total \(64\)/);
  });
});
