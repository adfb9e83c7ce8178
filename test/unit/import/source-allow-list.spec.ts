import { expect } from 'chai';
import { isAllowedSource, parseAllowList } from '../../../server/import/source-allow-list.js';

const allowed = (url: string, setting: string): boolean => isAllowedSource(new URL(url), parseAllowList(setting));

describe('$import source allow-list (IMPORT_ALLOWED_SOURCES)', () => {
  it('allows nothing when unset or empty', () => {
    expect(parseAllowList(null)).to.deep.equal([]);
    expect(parseAllowList(' , ')).to.deep.equal([]);
    expect(allowed('https://files.example.org/a.ndjson', '')).to.equal(false);
  });

  it('allows URLs of the same scheme, host and port under the prefix path', () => {
    const setting = 'https://files.example.org/, http://127.0.0.1:8099/exports';
    expect(allowed('https://files.example.org/Patient.ndjson', setting)).to.equal(true);
    expect(allowed('https://FILES.example.org:443/x/y.ndjson?sig=abc', setting)).to.equal(true);
    expect(allowed('http://127.0.0.1:8099/exports/Patient.ndjson', setting)).to.equal(true);
    expect(allowed('http://127.0.0.1:8099/exports', setting)).to.equal(true);
  });

  it('refuses look-alike hosts, credentials, other schemes and ports', () => {
    const setting = 'https://files.example.org/';
    for (const url of [
      'https://files.example.org.evil.com/Patient.ndjson',
      'https://files.example.org@evil.com/Patient.ndjson',
      'https://user:pw@files.example.org/Patient.ndjson',
      'https://evil.com/files.example.org/Patient.ndjson',
      'https://evil.com/?https://files.example.org/',
      'http://files.example.org/Patient.ndjson',
      'https://files.example.org:8443/Patient.ndjson',
      'ftp://files.example.org/Patient.ndjson',
      'https://sub.files.example.org/Patient.ndjson',
    ]) {
      expect(allowed(url, setting), url).to.equal(false);
    }
  });

  it('matches paths at a / boundary, after the parser resolved dot segments', () => {
    const setting = 'http://127.0.0.1:8099/exports';
    expect(allowed('http://127.0.0.1:8099/exports-private/Patient.ndjson', setting)).to.equal(false);
    expect(allowed('http://127.0.0.1:8099/exportsX', setting)).to.equal(false);
    expect(allowed('http://127.0.0.1:8099/exports/../secret', setting)).to.equal(false);
    expect(allowed('http://127.0.0.1:8099/exports/%2e%2e/secret', setting)).to.equal(false);
    expect(allowed('http://127.0.0.1:8099/exports/a/../b.ndjson', setting)).to.equal(true);
  });

  it('stops start-up on a bad prefix, naming it', () => {
    expect(() => parseAllowList('files.example.org')).to.throw(TypeError, "'files.example.org' is not an absolute URL");
    expect(() => parseAllowList('ftp://files.example.org/')).to.throw(TypeError, 'ftp:');
    expect(() => parseAllowList('https://u:p@files.example.org/')).to.throw(TypeError, 'credentials');
    expect(() => parseAllowList('https://files.example.org/?a=1')).to.throw(TypeError, 'query');
  });
});
