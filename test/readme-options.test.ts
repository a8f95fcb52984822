import { readFileSync } from 'node:fs';
import { renderOptionsMarkdown } from '../agent/config/index.js';
import { REPO_ROOT } from './helpers/run-cli.js';

describe('README', () => {
  it('shows the options table exactly as the option definitions render it', () => {
    const readme = readFileSync(`${REPO_ROOT}/README.md`, 'utf8');
    expect(readme).toContain(renderOptionsMarkdown().trimEnd());
  });

  it('opens with the two set-up lines', () => {
    const [first, second] = readFileSync(`${REPO_ROOT}/README.md`, 'utf8').split('\n');
    expect(first).toMatch(/^`npm ci` then `npm start`/);
    expect(second).toMatch(/^`npm test`/);
  });
});
