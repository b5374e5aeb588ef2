"""The demo loaders stay out of production (issue 30): not installed, and imported by no app."""
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_APPS = ["config", "accounts", "audit", "referrals", "reviews", "intervenors",
                   "workflows", "pathways"]


def installed_apps(**env) -> list[str]:
    code = ("import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'config.settings'; "
            "django.setup(); from django.conf import settings; "
            "print(','.join(settings.INSTALLED_APPS))")
    clean = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "DEMO_DATA")}
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env={**clean, **env},
                          capture_output=True, text=True, check=True)
    return done.stdout.strip().split(",")


def test_production_settings_do_not_install_the_demo_loaders():
    assert "demo" not in installed_apps(SECRET_KEY="x" * 50)
    assert "demo" in installed_apps(DEBUG="true")
    assert "demo" in installed_apps(DEMO_DATA="true")


def test_no_production_module_imports_demo():
    for app in PRODUCTION_APPS:
        for path in (ROOT / app).rglob("*.py"):
            text = path.read_text()
            assert "from demo" not in text and "import demo" not in text, path
