// An OpenID provider for Latchkey's integration tests: oidc-provider with one
// confidential client, its development-only login and consent pages, and a
// few fixed accounts. internal/login/realidp starts it; it is not for
// anything but tests on 127.0.0.1.
//
// Settings come from the environment (so the client secret stays out of the
// process list):
//
//   OIDC_PORT                     port to listen on, on 127.0.0.1 only
//   OIDC_CLIENT_ID                the client's id
//   OIDC_CLIENT_SECRET            the client's secret (client_secret_basic)
//   OIDC_REDIRECT_URIS            space-separated redirect URIs (at least one)
//   OIDC_POST_LOGOUT_REDIRECT_URIS space-separated, optional
//
// It prints "oidc-provider listening on <issuer>" once it accepts
// connections, and exits with status 0 on SIGTERM or SIGINT.

import { generateKeyPairSync, randomBytes } from 'node:crypto';
import * as http from 'node:http';

import Provider from 'oidc-provider';

function setting(name, { optional = false } = {}) {
  const value = process.env[name] ?? '';
  if (!optional && value === '') {
    console.error(`oidc-provider: ${name} is not set`);
    process.exit(2);
  }
  return value;
}

function list(value) {
  return value.split(/\s+/).filter(Boolean);
}

const port = Number(setting('OIDC_PORT'));
if (!Number.isInteger(port) || port <= 0 || port > 65535) {
  console.error(`oidc-provider: OIDC_PORT ${process.env.OIDC_PORT} is not a port`);
  process.exit(2);
}
const issuer = `http://127.0.0.1:${port}`;

// Fixed accounts keyed by login name; any other login name signs in as a
// generic account named after it.
const accounts = {
  alice: {
    email: 'alice@example.com', email_verified: true, name: 'Alice Author', groups: [],
  },
  erin: {
    email: 'erin@example.com', email_verified: true, name: 'Erin Editor', groups: ['editors'],
  },
};

function accountClaims(login) {
  return accounts[login] ?? {
    email: `${login}@example.com`, email_verified: true, name: login, groups: [],
  };
}

// A signing key made for this run rather than oidc-provider's built-in
// development key, which is the same everywhere: a relying party that
// verified tokens against the wrong provider would then still pass.
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), alg: 'RS256', use: 'sig' };

const provider = new Provider(issuer, {
  clients: [{
    client_id: setting('OIDC_CLIENT_ID'),
    client_secret: setting('OIDC_CLIENT_SECRET'),
    token_endpoint_auth_method: 'client_secret_basic',
    redirect_uris: list(setting('OIDC_REDIRECT_URIS')),
    post_logout_redirect_uris: list(setting('OIDC_POST_LOGOUT_REDIRECT_URIS', { optional: true })),
    grant_types: ['authorization_code'],
    response_types: ['code'],
    id_token_signed_response_alg: 'RS256',
  }],
  jwks: { keys: [signingKey] },
  // PKCE (S256, the only method oidc-provider 9 offers) even for the
  // confidential client, as the relying party under test always sends it.
  pkce: { required: () => true },
  features: {
    devInteractions: { enabled: true },
    rpInitiatedLogout: { enabled: true },
  },
  cookies: {
    keys: [randomBytes(32).toString('base64url')],
    // Cookies ignore ports, so the relying party on another 127.0.0.1 port
    // shares this cookie namespace: prefixed names keep the two apart.
    names: { session: 'op_session', interaction: 'op_interaction', resume: 'op_interaction_resume' },
  },
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name'],
    groups: ['groups'],
  },
  // By default the claims of the scopes are only in userinfo when an access
  // token for userinfo is issued; Latchkey reads them from the ID token.
  conformIdTokenClaims: false,
  async findAccount(ctx, id) {
    return {
      accountId: id,
      async claims() {
        return { sub: id, ...accountClaims(id) };
      },
    };
  },
});

const server = http.createServer(provider.callback());
server.on('error', (err) => {
  console.error(`oidc-provider: ${err.message}`);
  process.exit(1);
});
server.listen(port, '127.0.0.1', () => {
  console.log(`oidc-provider listening on ${issuer}`);
});

function stop() {
  server.close(() => process.exit(0));
  // Keep-alive connections would hold close() open.
  server.closeAllConnections();
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
