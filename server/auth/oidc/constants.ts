/** OpenID and SMART launch / refresh scopes; clinical scopes go to the FHIR resource server. */
export const OIDC_SCOPES = ['openid', 'fhirUser', 'profile', 'offline_access', 'online_access', 'launch', 'launch/patient', 'launch/encounter'];

/** The authorization server's endpoints, below its issuer URL (`{origin}/auth`). */
export const AUTH_PATHS = {
  authorization: '/authorize',
  token: '/token',
  introspection: '/introspect',
  revocation: '/revoke',
  jwks: '/jwks',
  userinfo: '/userinfo',
  end_session: '/logout',
} as const;
