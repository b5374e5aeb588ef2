// A real OpenID Connect provider for Pathways' sign-in tests, standing in for NHS CIS2 on
// loopback. It is panva's oidc-provider (OpenID Certified), configured as CIS2 behaves for a
// confidential client: authorization code flow with PKCE, client authentication by
// private_key_jwt signed with RS512, ID tokens signed with RS512, CIS2's claims (assurance
// level, associated organisations, national RBAC roles) and back-channel logout.
//
// The tests start it (tests/cis2/provider.py) with its settings in the environment:
//   OIDC_PORT            port on 127.0.0.1
//   OIDC_CLIENT_ID       Pathways' client id
//   OIDC_CLIENT_JWKS     Pathways' public keys, as /auth/cis2/jwks.json publishes them
//   OIDC_REDIRECT_URI    Pathways' callback
//   OIDC_LOGOUT_URI      where the provider sends people after signing out
//   OIDC_BACKCHANNEL_URI Pathways' back-channel logout endpoint
//   OIDC_ACCOUNTS        a JSON object: sign-in name -> claims (the name is also the subject)
// It prints "ready <issuer>" on standard output once it listens.
import { generateKeyPair, exportJWK } from 'jose';
import Provider from 'oidc-provider';

const env = (name) => {
  const value = process.env[name];
  if (!value) {
    console.error(`missing ${name}`);
    process.exit(2);
  }
  return value;
};

const port = Number(env('OIDC_PORT'));
const issuer = `http://127.0.0.1:${port}`;
const accounts = JSON.parse(env('OIDC_ACCOUNTS'));

const { privateKey } = await generateKeyPair('RS512', { extractable: true, modulusLength: 2048 });
const signingKey = { ...(await exportJWK(privateKey)), kid: 'provider-key-1', use: 'sig', alg: 'RS512' };

const configuration = {
  clients: [{
    client_id: env('OIDC_CLIENT_ID'),
    token_endpoint_auth_method: 'private_key_jwt',
    token_endpoint_auth_signing_alg: 'RS512',
    id_token_signed_response_alg: 'RS512',
    jwks: JSON.parse(env('OIDC_CLIENT_JWKS')),
    grant_types: ['authorization_code'],
    response_types: ['code'],
    redirect_uris: [env('OIDC_REDIRECT_URI')],
    post_logout_redirect_uris: [env('OIDC_LOGOUT_URI')],
    backchannel_logout_uri: env('OIDC_BACKCHANNEL_URI'),
    backchannel_logout_session_required: true,
  }],
  jwks: { keys: [signingKey] },
  cookies: { keys: ['pathways-test-provider-cookie-key'] },
  pkce: { required: () => true },
  features: {
    devInteractions: { enabled: true },
    backchannelLogout: { enabled: true },
    rpInitiatedLogout: { enabled: true },
  },
  // CIS2 puts its claims in the ID token as well as at userinfo.
  conformIdTokenClaims: false,
  scopes: ['openid', 'profile', 'email', 'nationalrbacaccess', 'associatedorgs'],
  claims: {
    openid: ['sub', 'authentication_assurance_level'],
    profile: ['name', 'given_name', 'family_name', 'uid'],
    email: ['email'],
    nationalrbacaccess: ['nhsid_nrbac_roles'],
    associatedorgs: ['nhsid_user_orgs'],
  },
  enabledJWA: {
    clientAuthSigningAlgValues: ['RS512', 'RS256'],
    idTokenSigningAlgValues: ['RS512', 'RS256'],
  },
  async findAccount(ctx, sub) {
    const claims = accounts[sub];
    if (!claims) return undefined;
    return { accountId: sub, async claims() { return { sub, ...claims }; } };
  },
  // Staff do not consent to their employer's systems: every requested scope is granted once
  // they have signed in, as CIS2 does for registered NHS services.
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId
      || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope(ctx.oidc.params.scope);
    await grant.save();
    return grant;
  },
  // The provider refuses to call special-use addresses (its SSRF guard); here Pathways is on
  // loopback by design, so its back-channel logout calls go out without that guard.
  fetch: (url, { dispatcher, ...options }) => globalThis.fetch(url, options),
  ttl: { Session: 3600, Interaction: 600, Grant: 3600, IdToken: 300, AccessToken: 300, AuthorizationCode: 60 },
};

const provider = new Provider(issuer, configuration);
provider.on('server_error', (ctx, error) => console.error('server_error', error));
provider.on('backchannel.error', (client, error) => console.error('backchannel.error', error.message, error.cause?.message ?? ''));
provider.on('backchannel.success', (client, accountId) => console.log('backchannel.success', accountId));
provider.listen(port, '127.0.0.1', () => console.log(`ready ${issuer}`));
