"""Real OpenID Connect providers for the sign-in tests, on loopback.

`OidcProvider` starts panva's certified oidc-provider (tests/oidc_provider, installed by
`make test` and `.ci/run` with `npm ci`) as NHS CIS2 stands in for it: the browser journey
signs in through it, Pathways' client authenticates to it with private_key_jwt, and it sends
back-channel logouts. `DocumentServer` serves a discovery document and a JWKS over real HTTP
for the token unit tests, which sign their own tokens to break them one way at a time.
"""
import json
import os
import shutil
import socket
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.conftest import require

PROVIDER_DIR = Path(__file__).resolve().parent.parent / "oidc_provider"

# Sign-in name -> the claims CIS2 would give. The name is the subject as well.
ACCOUNTS = {
    # A commissioner at North Central London ICB (QMJ), new to Pathways.
    "cis2-amara-osei": {
        "name": "Amara Osei", "given_name": "Amara", "family_name": "Osei",
        "email": "amara.osei@nhs.example", "authentication_assurance_level": "3",
        "nhsid_user_orgs": [{"org_code": "QMJ", "org_name": "NHS North Central London ICB"}],
        "nhsid_nrbac_roles": [{"org_code": "QMJ", "person_roleid": "5550001",
                               "role_name": "\"Clinical\":\"Clinical Provision\""}],
    },
    # Signed in with a password and a text message: assurance level 2.
    "cis2-low-assurance": {
        "name": "Lee Low", "given_name": "Lee", "family_name": "Low",
        "email": "lee.low@nhs.example", "authentication_assurance_level": "2",
        "nhsid_user_orgs": [{"org_code": "QMJ", "org_name": "NHS North Central London ICB"}],
    },
}


def private_key_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class OidcProvider:
    """The node provider as a child process; `issuer` once it listens."""

    def __init__(self, *, client_id: str, client_jwks: dict, site_url: str, accounts=None):
        require(shutil.which("node") is not None, "Node.js is not installed")
        require((PROVIDER_DIR / "node_modules" / "oidc-provider").is_dir(),
                "the test OpenID Connect provider is not installed: "
                "npm ci --prefix tests/oidc_provider")
        self.port = free_port()
        self.issuer = f"http://127.0.0.1:{self.port}"
        self.log: list[str] = []
        env = {**os.environ,
               "OIDC_PORT": str(self.port), "OIDC_CLIENT_ID": client_id,
               "OIDC_CLIENT_JWKS": json.dumps(client_jwks),
               "OIDC_REDIRECT_URI": f"{site_url}/auth/cis2/callback/",
               "OIDC_LOGOUT_URI": f"{site_url}/auth/cis2/signed-out/",
               "OIDC_BACKCHANNEL_URI": f"{site_url}/auth/cis2/backchannel-logout/",
               "OIDC_ACCOUNTS": json.dumps(accounts or ACCOUNTS)}
        self.process = subprocess.Popen(
            # The test server listens on IPv4; Node would try "localhost" as ::1 first.
            ["node", "--dns-result-order=ipv4first", "provider.mjs"], cwd=PROVIDER_DIR, env=env, text=True,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        for line in self.process.stdout:
            self.log.append(line.rstrip())
            if line.startswith("ready "):
                break
        else:
            raise RuntimeError("the OpenID Connect provider did not start:\n" + "\n".join(self.log))
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self):
        for line in self.process.stdout:
            self.log.append(line.rstrip())

    @property
    def metadata_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)


class DocumentServer:
    """Serves JSON documents by path over HTTP on loopback, counting requests per path."""

    def __init__(self):
        self.documents: dict[str, dict] = {}
        self.hits: dict[str, int] = {}
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's name)
                server.hits[self.path] = server.hits.get(self.path, 0) + 1
                document = server.documents.get(self.path)
                body = json.dumps(document).encode()
                self.send_response(200 if document is not None else 404)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()
