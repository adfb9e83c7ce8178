import type { Knex } from 'knex';

/**
 * Current and historical versions of every resource.
 *
 * - `resource` holds the current version of each (type, id); read is a primary-key lookup.
 * - `resource_history` holds every version ever written, including delete markers;
 *   vread is a primary-key lookup.
 * - `content` is the resource JSON *without* `resourceType` (it is the `resource_type`
 *   column); the store puts it back first when serialising. Deleted versions have no content.
 * - `method` is the HTTP verb that made the version, for history Bundles
 *   (https://hl7.org/fhir/R4/http.html#history: entry.request).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE resource (
      resource_type text        NOT NULL,
      id            text        NOT NULL,
      version_id    integer     NOT NULL,
      last_updated  timestamptz NOT NULL,
      deleted       boolean     NOT NULL DEFAULT false,
      content       jsonb,
      PRIMARY KEY (resource_type, id)
    )`);
  await knex.raw(`
    CREATE TABLE resource_history (
      resource_type text        NOT NULL,
      id            text        NOT NULL,
      version_id    integer     NOT NULL,
      last_updated  timestamptz NOT NULL,
      deleted       boolean     NOT NULL,
      method        text        NOT NULL,
      content       jsonb,
      PRIMARY KEY (resource_type, id, version_id)
    )`);
  // Type- and system-level history read newest first, by time.
  await knex.raw('CREATE INDEX resource_history_type_time ON resource_history (resource_type, last_updated DESC)');
  await knex.raw('CREATE INDEX resource_history_time ON resource_history (last_updated DESC)');
  // Conditional interactions on `identifier` until the search issue's token index lands.
  await knex.raw(
    "CREATE INDEX resource_identifier ON resource USING gin ((content -> 'identifier') jsonb_path_ops) WHERE NOT deleted",
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE IF EXISTS resource_history');
  await knex.raw('DROP TABLE IF EXISTS resource');
}
