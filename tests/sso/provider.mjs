// A real OpenID provider for the single sign-on tests: oidc-provider (npm, 8.x) on a loopback
// port, with clients and accounts of our own. Started by tests/sso/conftest.py as
//     node tests/sso/provider.mjs <config.json>
// The configuration file holds {port, issuer, clockOffsetSeconds, clients, accounts}.
//
// There is no login form: the test account is picked by the authorization request's
// `login_hint`, logged in at once with the `amr`/`acr` of that account, and every requested
// scope is granted. Everything else (discovery, PKCE, codes, ID tokens, keys) is the real thing.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

import Provider from 'oidc-provider';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));

if (config.clockOffsetSeconds) {
  // Time travel for the "expired ID token" test: this provider lives in the past, so every
  // token it signs is already expired by the time the workspace checks it.
  const realNow = Date.now.bind(Date);
  Date.now = () => realNow() + config.clockOffsetSeconds * 1000;
}

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: 'neig-test-1', use: 'sig', alg: 'RS256' };

const accounts = config.accounts;

const provider = new Provider(config.issuer, {
  clients: config.clients,
  jwks: { keys: [signingKey] },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  claims: {
    openid: ['sub', 'acr', 'amr'],
    email: ['email', 'email_verified'],
    profile: ['name'],
  },
  // The workspace reads the e-mail claims from the ID token, not from the userinfo endpoint.
  conformIdTokenClaims: false,
  pkce: { methods: ['S256'], required: () => true },
  features: { devInteractions: { enabled: false } },
  ttl: { IdToken: 300, AccessToken: 300, AuthorizationCode: 60, Interaction: 3600, Session: 3600, Grant: 3600 },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  async findAccount(ctx, sub) {
    const account = accounts[sub];
    if (!account) return undefined;
    return {
      accountId: sub,
      async claims() {
        return { sub, email: account.email, email_verified: account.email_verified, name: account.name };
      },
    };
  },
});

async function interaction(req, res) {
  const details = await provider.interactionDetails(req, res);
  let result;
  if (details.prompt.name === 'login') {
    const accountId = details.params.login_hint;
    const account = accounts[accountId];
    result = account
      ? { login: { accountId, amr: account.amr, acr: account.acr } }
      : { error: 'access_denied', error_description: 'no such test account' };
  } else {
    const grant = new provider.Grant({ accountId: details.session.accountId, clientId: details.params.client_id });
    grant.addOIDCScope(details.params.scope);
    result = { consent: { grantId: await grant.save() } };
  }
  await provider.interactionFinished(req, res, result, { mergeWithLastSubmission: true });
}

const handle = provider.callback();
const server = createServer((req, res) => {
  if (req.url.startsWith('/interaction/')) {
    interaction(req, res).catch((error) => {
      res.statusCode = 500;
      res.end(String(error));
    });
  } else {
    handle(req, res);
  }
});
server.listen(config.port, '127.0.0.1', () => {
  process.stdout.write(`oidc-provider ${config.issuer} listening\n`);
});
// Nothing to keep: everything lives in memory. Stop at once, open keep-alive connections or not.
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => process.exit(0));
}
