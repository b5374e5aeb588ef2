"""A backup restores into a new database with its rows, its append-only triggers and the app
role's limited grants, and the app serves from it (issue 17). PostgreSQL only."""
import os
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from tests.conftest import database_url_is_postgres, require

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
TABLES = ["referrals_person", "referrals_referral", "reviews_action", "workflows_decision",
          "referrals_historicalperson", "guardian_userobjectpermission", "accounts_user"]


def _url(database: str, user: str | None = None) -> str:
    params = connection.settings_dict
    user = user or params["USER"] or "postgres"
    return f"postgres://{user}@{params['HOST'] or '127.0.0.1'}:{params['PORT'] or 5432}/{database}"


def _counts(url: str) -> dict:
    with psycopg.connect(url) as conn:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}


@pytest.fixture
def restored(postgres, tmp_path):
    require(bool(settings.DATABASE_APP_ROLE), "needs DATABASE_APP_ROLE",
            needed_in_ci=database_url_is_postgres())
    source = _url(connection.settings_dict["NAME"])
    target = f"restore_{uuid.uuid4().hex[:10]}"
    env = {**os.environ, "DATABASE_URL": source}
    env.pop("MIGRATION_DATABASE_URL", None)
    dump = subprocess.run([ROOT / "ops" / "backup", str(tmp_path)], env=env, check=True,
                          capture_output=True, text=True).stdout.strip()
    assert Path(dump).name.startswith("pathways-") and Path(dump).stat().st_size > 0
    subprocess.run([ROOT / "ops" / "restore", dump, target], env=env, check=True,
                   capture_output=True, text=True)
    yield source, target
    with psycopg.connect(_url("postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')


def test_a_backup_restores_with_its_rows_triggers_and_limited_role(restored):
    source, target = restored
    assert _counts(_url(target)) == _counts(source)
    with psycopg.connect(_url(target)) as owner, pytest.raises(psycopg.errors.InsufficientPrivilege):
        owner.execute("UPDATE workflows_decision SET reason = 'rewritten'")
    with psycopg.connect(_url(target, settings.DATABASE_APP_ROLE), autocommit=True) as app:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            app.execute("TRUNCATE workflows_decision")
        assert app.execute("SELECT count(*) FROM referrals_person").fetchone()[0] > 0


def test_the_app_serves_from_the_restored_copy(restored):
    _, target = restored
    script = (
        "from django.test import Client\n"
        "from accounts.models import User\n"
        "c = Client()\n"
        "c.force_login(User.objects.get(username='coordinator'))\n"
        "r = c.get('/referrals/queue/')\n"
        "print(r.status_code, r.content.count(b'PW-'))\n")
    env = {**os.environ, "DATABASE_URL": _url(target, settings.DATABASE_APP_ROLE),
           "DEBUG": "false", "ALLOWED_HOSTS": "testserver"}
    result = subprocess.run([sys.executable, "manage.py", "shell", "-c", script], cwd=ROOT,
                            env=env, capture_output=True, text=True, check=True)
    status, references = result.stdout.split()[-2:]
    assert status == "200" and int(references) > 0
