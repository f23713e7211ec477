"""Single sign-on with the partners' own OpenID Connect providers."""

#: The browser's half of a sign-in under way: the `state` sent to the provider.
STATE_SESSION_KEY = "sso_state"
#: Set in the session of a login whose second factor the provider checked (amr/acr).
MFA_BY_PROVIDER_KEY = "mfa_by_provider"
