import { expect } from 'chai';
import { ConfigError, loadConfig } from '../../../server/config/load.js';

describe('config/load', () => {
  it('applies defaults when nothing is set', () => {
    const c = loadConfig({});
    expect(c.host).to.equal('127.0.0.1');
    expect(c.port).to.equal(8080);
    expect(c.databaseUrl).to.equal(null);
  });

  it('parses integers and enums from the environment', () => {
    const c = loadConfig({ PORT: '9090', LOG_LEVEL: 'warn' });
    expect(c.port).to.equal(9090);
    expect(c.logLevel).to.equal('warn');
  });

  it('rejects malformed values, naming each variable', () => {
    expect(() => loadConfig({ PORT: 'eighty', LOG_LEVEL: 'loud' }))
      .to.throw(ConfigError)
      .with.property('problems')
      .that.has.length(2);
  });

  it('keeps secrets out of enumeration (and so out of logs)', () => {
    const c = loadConfig({ DATABASE_URL: 'postgres://u:secret@h/db' });
    expect(c.databaseUrl).to.equal('postgres://u:secret@h/db');
    expect(JSON.stringify(c)).not.to.contain('secret');
  });
});
