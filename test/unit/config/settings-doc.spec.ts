import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { settingsTable } from '../../../server/config/load.js';

describe('README settings table', () => {
  it('is the one generated from the settings schema (npm run docs:settings -- --write)', () => {
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    expect(readme).to.contain(settingsTable());
  });
});
