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
