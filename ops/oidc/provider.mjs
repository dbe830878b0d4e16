// A FranceConnect (or ProConnect) look-alike on loopback, for Guichet's tests: npm
// oidc-provider (the library FranceConnect's own core is built on), configured
// as FranceConnect v2 is: authorization code flow only, pairwise subjects,
// acr eidas1, client secret in the request body, signed userinfo (JWT), RP-
// initiated logout answered at once, and FranceConnect's whitelist of
// authorization parameters (state, nonce of 22 characters or more and
// acr_values required; anything else refused, PKCE included).
//
//   node ops/oidc/provider.mjs <port> <client_id> <client_secret> <redirect_uri> <post_logout_redirect_uri> [proconnect]
//
// With `proconnect`, it behaves as ProConnect does: state and nonce of 32
// characters or more, no acr_values (ProConnect refuses any parameter it
// does not list), the scopes usual_name and uid, public subjects.
//
// The person who signs in is set by the test: POST /_test/user with the
// claims (JSON). A switch exercises the client's checks: POST /_test/mode with
// {"mode": "normal" | "bad_signature" (the published keys are not the signing
// ones) | "nonce_mismatch" (the ID token carries another nonce)}.

import crypto from 'node:crypto';
import Provider from 'oidc-provider';

const [portArg, clientId, clientSecret, redirectUri, postLogoutUri, flavor] = process.argv.slice(2);
const proconnect = flavor === 'proconnect';
if (!postLogoutUri) {
  console.error('usage : node ops/oidc/provider.mjs <port> <client_id> <client_secret> <redirect_uri> <post_logout_redirect_uri>');
  process.exit(2);
}
const port = Number(portArg);
const issuer = `http://127.0.0.1:${port}`;

function rsaJwk(kid) {
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' };
}
const signing = rsaJwk('signature');
// Published instead of the signing key in « bad_signature » mode.
const other = rsaJwk('autre');
const publicOf = ({ kty, n, e, kid, alg, use }) => ({ kty, n, e, kid, alg, use });

let user = {
  sub: 'personne-test',
  given_name: 'Angela Claire Louise',
  family_name: 'DUBOIS',
  email: 'angela.dubois@example.fr',
  birthdate: '1962-08-24',
  gender: 'female',
  birthplace: '75107',
  birthcountry: '99100',
};
let mode = 'normal';

const ALLOWED = proconnect
  ? new Set(['client_id', 'response_type', 'redirect_uri', 'scope', 'state', 'nonce', 'claims', 'prompt', 'idp_hint', 'login_hint'])
  : new Set(['client_id', 'response_type', 'redirect_uri', 'scope', 'state', 'nonce', 'acr_values', 'claims', 'prompt', 'idp_hint', 'ui_locales']);
const REQUIRED = proconnect ? ['state', 'nonce'] : ['state', 'nonce', 'acr_values'];
const SHORTEST = proconnect ? 32 : 22;

const configuration = {
  clients: [
    {
      client_id: clientId,
      client_secret: clientSecret,
      redirect_uris: [redirectUri],
      post_logout_redirect_uris: [postLogoutUri],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_post',
      id_token_signed_response_alg: 'RS256',
      userinfo_signed_response_alg: 'RS256',
      subject_type: proconnect ? 'public' : 'pairwise',
    },
  ],
  jwks: { keys: [signing] },
  subjectTypes: ['public', 'pairwise'],
  async pairwiseIdentifier(ctx, accountId, client) {
    return crypto.createHash('sha256').update(`${client.sectorIdentifier}|${accountId}|sel-de-test`).digest('hex');
  },
  acrValues: ['eidas1'],
  scopes: ['openid', 'given_name', 'family_name', 'email', 'birthdate', 'gender', 'birthplace', 'birthcountry', 'usual_name', 'uid'],
  claims: {
    openid: ['sub'],
    usual_name: ['usual_name'],
    uid: ['uid'],
    given_name: ['given_name'],
    family_name: ['family_name'],
    email: ['email'],
    birthdate: ['birthdate'],
    gender: ['gender'],
    birthplace: ['birthplace'],
    birthcountry: ['birthcountry'],
  },
  features: {
    devInteractions: { enabled: false },
    jwtUserinfo: { enabled: true },
    claimsParameter: { enabled: true },
    rpInitiatedLogout: {
      enabled: true,
      // FranceConnect answers at once (303): no confirmation page.
      async logoutSource(ctx, form) {
        ctx.body = `<!DOCTYPE html><html lang="fr"><head><title>Déconnexion</title></head><body>${form}<script>document.forms[0].submit()</script></body></html>`;
      },
    },
  },
  pkce: { required: () => false },
  async findAccount(ctx, sub) {
    return { accountId: sub, async claims() { return { ...user, sub }; } };
  },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  cookies: { keys: ['cle-de-test-des-cookies'] },
  ttl: { AccessToken: 60, AuthorizationCode: 30, IdToken: 60, Session: 1800, Interaction: 600, Grant: 1800 },
};

const provider = new Provider(issuer, configuration);

provider.use(async (ctx, next) => {
  if (ctx.path === '/_test/user' && ctx.method === 'POST') {
    user = JSON.parse(await body(ctx.req));
    ctx.body = 'ok';
    return;
  }
  if (ctx.path === '/_test/mode' && ctx.method === 'POST') {
    mode = JSON.parse(await body(ctx.req)).mode;
    ctx.body = 'ok';
    return;
  }
  if (ctx.path === '/jwks' && mode === 'bad_signature') {
    ctx.type = 'application/jwk-set+json';
    ctx.body = { keys: [publicOf(other)] };
    return;
  }
  if (ctx.path === '/auth' && ctx.method === 'GET') {
    const q = ctx.query;
    const extra = Object.keys(q).filter((k) => !ALLOWED.has(k));
    const missing = REQUIRED.filter((k) => !q[k]);
    const short = ['state', 'nonce'].filter((k) => q[k] && q[k].length < SHORTEST);
    if (extra.length || missing.length || short.length) {
      ctx.status = 400;
      ctx.body = `invalid_request: paramètres refusés ${JSON.stringify(extra)}, manquants ${JSON.stringify(missing)}, trop courts ${JSON.stringify(short)}`;
      return;
    }
    if (mode === 'nonce_mismatch') {
      ctx.query = { ...q, nonce: crypto.randomBytes(32).toString('base64url') };
    }
  }
  if (ctx.path.startsWith('/interaction/')) {
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    const accountId = user.sub;
    let result;
    if (details.prompt.name === 'login') {
      result = { login: { accountId, acr: 'eidas1', amr: ['pwd'] } };
    } else {
      const grant = new provider.Grant({ accountId, clientId: details.params.client_id });
      grant.addOIDCScope(details.params.scope);
      result = { consent: { grantId: await grant.save() } };
    }
    await provider.interactionFinished(ctx.req, ctx.res, result, { mergeWithLastSubmission: true });
    ctx.respond = false;
    return;
  }
  await next();
});

function body(req) {
  return new Promise((resolve, reject) => {
    let data = '';
    req.on('data', (c) => { data += c; });
    req.on('end', () => resolve(data));
    req.on('error', reject);
  });
}

provider.listen(port, '127.0.0.1', () => {
  console.log(`fournisseur d’identité de test prêt : ${issuer}`);
});
