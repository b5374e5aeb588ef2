"""`make serve` as production runs it: gunicorn with config/gunicorn.py, DEBUG off, static
files hashed, compressed and served by the app itself (whitenoise), under the CSP."""
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request

from django.conf import settings


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_gunicorn_serves_pages_and_compressed_hashed_static_files(tmp_path):
    """Slow (over 20 s): it collects and compresses the static files and starts gunicorn, as
    `make serve` does."""
    env = {**os.environ, "DEBUG": "false", "STATIC_MANIFEST": "true",
           "STATIC_ROOT": str(tmp_path / "static"), "ALLOWED_HOSTS": "127.0.0.1",
           "SECRET_KEY": "a-test-only-key-" + "x" * 40, "SECURE_COOKIES": "false",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'serve.sqlite3'}", "WEB_WORKERS": "1"}
    for name in ("REDIS_URL", "CACHE_REDIS_URL", "DATABASE_APP_ROLE"):
        env.pop(name, None)
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
                   cwd=settings.BASE_DIR, env=env, check=True)
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.py", "config.wsgi"],
        cwd=settings.BASE_DIR, env={**env, "BIND": f"127.0.0.1:{port}"},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{base}/health/live", timeout=5)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
        page = urllib.request.urlopen(f"{base}/accounts/login/", timeout=10)
        html = page.read().decode()
        assert "Sign in to Pathways" in html
        assert "script-src 'self'" in page.headers["Content-Security-Policy"]
        css = re.search(r'href="(/static/[^"]+\.[0-9a-f]{12}\.css)"', html)
        assert css, "the stylesheet is served under its hashed name"
        request = urllib.request.Request(base + css.group(1),
                                         headers={"Accept-Encoding": "gzip"})
        response = urllib.request.urlopen(request, timeout=10)
        assert response.headers["Content-Type"].startswith("text/css")
        assert response.headers["Content-Encoding"] == "gzip"
        assert "immutable" in response.headers["Cache-Control"]
    finally:
        server.terminate()
        output = server.communicate(timeout=30)[0]
    assert "Traceback" not in output, output[-3000:]
