import type { Knex } from 'knex';

/**
 * SMART on FHIR authorization (issue #6) and the shared outbox.
 *
 * - `auth_oidc`: every oidc-provider artefact (sessions, interactions, grants,
 *   authorization codes, access and refresh tokens, EHR launch contexts) as JSON,
 *   so they survive restarts and every server process sees the same ones.
 * - `auth_key`: signing keys and cookie secrets, generated at first start (never committed).
 * - `auth_client`: registered SMART clients (oidc-provider client metadata).
 * - `auth_user`: staff and patient accounts, each linked to a FHIR Practitioner /
 *   Patient / RelatedPerson.
 * - `outbox`: the PostgreSQL job queue shared by background work (DESIGN.md section 7).
 *   Writes add their audit row in the write's own transaction; a worker turns rows
 *   into AuditEvent resources and deletes them in one transaction.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE auth_oidc (
      kind        text        NOT NULL,
      id          text        NOT NULL,
      payload     jsonb       NOT NULL,
      grant_id    text,
      uid         text,
      user_code   text,
      expires_at  timestamptz,
      consumed_at timestamptz,
      PRIMARY KEY (kind, id)
    )`);
  await knex.raw('CREATE INDEX auth_oidc_grant ON auth_oidc (grant_id) WHERE grant_id IS NOT NULL');
  await knex.raw('CREATE INDEX auth_oidc_uid ON auth_oidc (uid) WHERE uid IS NOT NULL');
  await knex.raw('CREATE INDEX auth_oidc_user_code ON auth_oidc (user_code) WHERE user_code IS NOT NULL');
  await knex.raw('CREATE INDEX auth_oidc_expires ON auth_oidc (expires_at) WHERE expires_at IS NOT NULL');
  await knex.raw(`
    CREATE TABLE auth_key (
      kid        text        PRIMARY KEY,
      use        text        NOT NULL CHECK (use IN ('sig', 'cookie')),
      material   jsonb       NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    )`);
  await knex.raw(`
    CREATE TABLE auth_client (
      client_id  text        PRIMARY KEY,
      metadata   jsonb       NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    )`);
  await knex.raw(`
    CREATE TABLE auth_user (
      id              text        PRIMARY KEY,
      username        text        NOT NULL UNIQUE,
      password_hash   text        NOT NULL,
      role            text        NOT NULL CHECK (role IN ('admin', 'clinician', 'front-desk', 'billing', 'patient')),
      fhir_user       text        NOT NULL,
      display_name    text        NOT NULL,
      totp_secret     text,
      failed_attempts integer     NOT NULL DEFAULT 0,
      locked_until    timestamptz,
      disabled        boolean     NOT NULL DEFAULT false,
      created_at      timestamptz NOT NULL DEFAULT now()
    )`);
  await knex.raw(`
    CREATE TABLE outbox (
      id           bigserial   PRIMARY KEY,
      topic        text        NOT NULL,
      payload      jsonb       NOT NULL,
      created_at   timestamptz NOT NULL DEFAULT now(),
      available_at timestamptz NOT NULL DEFAULT now(),
      attempts     integer     NOT NULL DEFAULT 0,
      last_error   text
    )`);
  await knex.raw('CREATE INDEX outbox_ready ON outbox (topic, available_at, id)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE IF EXISTS outbox');
  await knex.raw('DROP TABLE IF EXISTS auth_user');
  await knex.raw('DROP TABLE IF EXISTS auth_client');
  await knex.raw('DROP TABLE IF EXISTS auth_key');
  await knex.raw('DROP TABLE IF EXISTS auth_oidc');
}
