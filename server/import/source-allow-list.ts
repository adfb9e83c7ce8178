/**
 * IMPORT_ALLOWED_SOURCES: the URL prefixes an `$import` manifest may point at. A
 * server that fetches URLs its callers name is an SSRF risk (it reaches hosts the
 * caller cannot, e.g. cloud metadata or the database), so nothing is fetched unless
 * the operator listed where from. The match is on the parsed URL, never on the
 * string: same scheme, same host and port, and a path under the prefix's path at a
 * `/` boundary; `https://files.example.org.evil.com/` and
 * `https://files.example.org@evil.com/` do not lie under `https://files.example.org/`.
 * Pure: no I/O.
 */

/** One allowed prefix, parsed. */
export interface SourcePrefix {
  readonly protocol: string;
  /** Host name and port as the URL parser normalizes them (lower case, no default port). */
  readonly host: string;
  /** Always ends with `/`, so `/files/` does not admit `/files-private/`. */
  readonly path: string;
}

export type AllowList = readonly SourcePrefix[];

const WEB = new Set(['http:', 'https:']);

/** Why `url` cannot be fetched at all (not http(s), credentials in it), or undefined. */
export function unfetchable(url: URL): string | undefined {
  if (!WEB.has(url.protocol)) return `only http and https URLs are fetched, not ${url.protocol}`;
  if (url.username !== '' || url.password !== '') return 'a URL must not carry credentials (user:password@)';
  return undefined;
}

/**
 * Parses IMPORT_ALLOWED_SOURCES (comma-separated URL prefixes). Throws a TypeError
 * naming the bad entry, so a mistyped setting stops the server at start-up.
 */
export function parseAllowList(setting: string | null): AllowList {
  if (setting === null || setting.trim() === '') return [];
  return setting
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((raw) => {
      let url: URL;
      try {
        url = new URL(raw);
      } catch {
        throw new TypeError(`IMPORT_ALLOWED_SOURCES: '${raw}' is not an absolute URL`);
      }
      const why = unfetchable(url);
      if (why !== undefined) throw new TypeError(`IMPORT_ALLOWED_SOURCES: '${raw}': ${why}`);
      if (url.search !== '' || url.hash !== '') throw new TypeError(`IMPORT_ALLOWED_SOURCES: '${raw}' must be a prefix without ?query or #fragment`);
      const path = url.pathname.endsWith('/') ? url.pathname : `${url.pathname}/`;
      return { protocol: url.protocol, host: url.host, path };
    });
}

/**
 * Whether `url` lies under one of the prefixes. The URL parser has already removed
 * `.` and `..` segments (also percent-encoded ones) and the default port, so the
 * comparison is between normalized parts. A URL equal to a prefix without its
 * trailing slash (`https://h/files` for `https://h/files/`) is under it too.
 */
export function isAllowedSource(url: URL, allow: AllowList): boolean {
  if (unfetchable(url) !== undefined) return false;
  return allow.some((p) => url.protocol === p.protocol && url.host === p.host && (url.pathname.startsWith(p.path) || `${url.pathname}/` === p.path));
}
