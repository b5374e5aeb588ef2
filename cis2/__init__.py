"""Sign-in through NHS Care Identity Service 2 (CIS2), an OpenID Connect provider (issue 31).

Pages and endpoints only: the authorization code flow with PKCE and private_key_jwt
(`client`), Pathways' published keys (`keys`), the claims CIS2 sends (`claims`) and the views
under /auth/cis2/. What a sign-in leads to (an account, an access request, withheld casework)
is decided in accounts.identity. May import accounts, audit and pathways; nothing imports it.
"""
