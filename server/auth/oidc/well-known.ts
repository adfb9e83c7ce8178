import type { CapabilityStatementRestSecurity } from 'fhir/r4.js';
import { AUTH_PATHS, OIDC_SCOPES } from './constants.js';

/**
 * `GET [base]/.well-known/smart-configuration`
 * (https://hl7.org/fhir/smart-app-launch/conformance.html#using-well-known):
 * every REQUIRED field (grant_types_supported, token_endpoint, capabilities,
 * code_challenge_methods_supported with S256 and not plain), the CONDITIONAL
 * ones our capabilities make required (issuer and jwks_uri for
 * sso-openid-connect, authorization_endpoint for the launches) and the
 * RECOMMENDED ones we can offer. All URLs absolute.
 */
export const CAPABILITIES = [
  'launch-ehr',
  'launch-standalone',
  'client-public',
  'client-confidential-symmetric',
  'client-confidential-asymmetric',
  'sso-openid-connect',
  'context-banner',
  'context-style',
  'context-ehr-patient',
  'context-ehr-encounter',
  'context-standalone-patient',
  'permission-offline',
  'permission-online',
  'permission-patient',
  'permission-user',
  'permission-v1',
  'permission-v2',
] as const;

export function smartConfiguration(issuer: string): Record<string, unknown> {
  return {
    issuer,
    jwks_uri: `${issuer}${AUTH_PATHS.jwks}`,
    authorization_endpoint: `${issuer}${AUTH_PATHS.authorization}`,
    grant_types_supported: ['authorization_code', 'client_credentials', 'refresh_token'],
    token_endpoint: `${issuer}${AUTH_PATHS.token}`,
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'private_key_jwt'],
    token_endpoint_auth_signing_alg_values_supported: ['RS384', 'ES384', 'RS256', 'ES256'],
    scopes_supported: [
      ...OIDC_SCOPES,
      'patient/*.cruds',
      'patient/*.rs',
      'user/*.cruds',
      'user/*.rs',
      'system/*.cruds',
      'system/*.rs',
      'patient/*.read',
      'patient/*.write',
      'user/*.read',
      'user/*.write',
      'system/*.read',
    ],
    response_types_supported: ['code'],
    introspection_endpoint: `${issuer}${AUTH_PATHS.introspection}`,
    revocation_endpoint: `${issuer}${AUTH_PATHS.revocation}`,
    userinfo_endpoint: `${issuer}${AUTH_PATHS.userinfo}`,
    code_challenge_methods_supported: ['S256'],
    capabilities: [...CAPABILITIES],
  };
}

/**
 * CapabilityStatement.rest.security of a SMART server: the SMART-on-FHIR service
 * code (http://terminology.hl7.org/CodeSystem/restful-security-service) and the
 * `oauth-uris` extension. SMART 2.x makes the well-known file the way to discover
 * endpoints and deprecates this extension, but clients written for SMART 1.0
 * (https://hl7.org/fhir/smart-app-launch/1.0.0/conformance/index.html) still look
 * here first, so it stays, with the same absolute URLs as the well-known file.
 */
export function smartRestSecurity(issuer: string): CapabilityStatementRestSecurity {
  const uri = (url: string, path: string): { url: string; valueUri: string } => ({ url, valueUri: `${issuer}${path}` });
  return {
    cors: true,
    service: [
      {
        coding: [{ system: 'http://terminology.hl7.org/CodeSystem/restful-security-service', code: 'SMART-on-FHIR', display: 'SMART-on-FHIR' }],
        text: 'OAuth2 using SMART-on-FHIR profile (see http://docs.smarthealthit.org)',
      },
    ],
    extension: [
      {
        url: 'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris',
        extension: [
          uri('authorize', AUTH_PATHS.authorization),
          uri('token', AUTH_PATHS.token),
          uri('introspect', AUTH_PATHS.introspection),
          uri('revoke', AUTH_PATHS.revocation),
        ],
      },
    ],
    description: 'SMART App Launch 2.2: discovery at [base]/.well-known/smart-configuration; every FHIR interaction needs a bearer token.',
  };
}
