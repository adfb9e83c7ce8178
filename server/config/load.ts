import { SETTINGS, type Config, type Setting, type SettingKey } from './schema.js';

/** Thrown at start-up when a setting is malformed; names every bad variable. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid settings:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

function parseOne(setting: Setting, raw: string | undefined, problems: string[]): unknown {
  if (raw === undefined || raw === '') return setting.default;
  switch (setting.type) {
    case 'string':
      return raw;
    case 'integer': {
      const n = Number(raw);
      if (!/^-?\d+$/.test(raw.trim()) || n < setting.min || n > setting.max) {
        problems.push(`${setting.env} must be an integer in [${setting.min}, ${setting.max}] (got "${raw}")`);
        return setting.default;
      }
      return n;
    }
    case 'boolean':
      if (raw === 'true' || raw === '1') return true;
      if (raw === 'false' || raw === '0') return false;
      problems.push(`${setting.env} must be true or false (got "${raw}")`);
      return setting.default;
    case 'enum':
      if (!setting.values.includes(raw)) {
        problems.push(`${setting.env} must be one of ${setting.values.join(', ')} (got "${raw}")`);
        return setting.default;
      }
      return raw;
  }
}

/**
 * Reads the settings from an environment record (only main.ts passes process.env;
 * tests pass overrides). Secrets become non-enumerable so that logging the config
 * never shows them (the node-postgres habit).
 */
export function loadConfig(env: Readonly<Record<string, string | undefined>>, overrides: Partial<Config> = {}): Config {
  const problems: string[] = [];
  const out: Record<string, unknown> = {};
  for (const [key, setting] of Object.entries(SETTINGS) as [SettingKey, Setting][]) {
    const value = key in overrides ? overrides[key] : parseOne(setting, env[setting.env], problems);
    Object.defineProperty(out, key, { value, enumerable: setting.secret !== true });
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(out) as Config;
}

/** The settings table of the README, generated from the schema. */
export function settingsTable(): string {
  const rows = Object.values(SETTINGS as Record<string, Setting>).map((s) => {
    const type = s.type === 'enum' ? s.values.join(' \\| ') : s.type;
    const def = s.default === null ? '(unset)' : `\`${String(s.default)}\``;
    return `| \`${s.env}\` | ${type} | ${def} | ${s.doc} |`;
  });
  return ['| Variable | Type | Default | Meaning |', '|---|---|---|---|', ...rows].join('\n');
}
