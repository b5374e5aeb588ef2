"""The API contract's bookkeeping (issue 18): every error code is documented, every operation
documents its errors, and a change to the schema comes with a new version and a changelog entry.

To change the API: edit the code, bump SPECTACULAR_SETTINGS["VERSION"], add a section for the
new version to docs/api-changelog.md, and run `make schema` to record the new schema's digest.
"""
import json
import re
from pathlib import Path

import pytest
from django.conf import settings

from pathways.api import ERROR_CODES
from workflows.management.commands.record_api_schema import DIGESTS, current_schema, digest

ROOT = Path(__file__).resolve().parents[1]
CHANGELOG = ROOT / "docs" / "api-changelog.md"


def test_every_error_code_raised_in_the_code_is_in_the_schema():
    raised = set()
    for path in ROOT.glob("*/*.py"):
        if path.parts[-2] in ("tests", ".venv") or "migrations" in path.parts:
            continue
        raised |= set(re.findall(r'\bcode\s*=\s*"([a-z_]+)"', path.read_text()))
    assert raised, "no codes found: the pattern is wrong"
    assert raised - {"server_error"} <= set(ERROR_CODES), raised - set(ERROR_CODES)


@pytest.mark.django_db
def test_every_operation_documents_its_errors_with_the_one_error_schema():
    schema = current_schema()
    enum = schema["components"]["schemas"]["Error"]["properties"]["code"]["enum"]
    assert set(enum) == set(ERROR_CODES)
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            statuses = set(operation["responses"])
            expected = {"400", "401", "415", "429"} if path.endswith("/auth/token/") else {
                "400", "401", "403", "404"}
            assert expected <= statuses, (method, path, statuses)
            if method == "post":
                assert "415" in statuses, (method, path)
            for status in statuses - {"200", "201", "202", "204"}:
                content = operation["responses"][status]["content"]["application/json"]
                assert content["schema"] == {"$ref": "#/components/schemas/Error"}


@pytest.mark.django_db
def test_a_schema_change_needs_a_new_version_and_a_changelog_entry():
    schema = current_schema()
    version = schema["info"]["version"]
    assert version == settings.SPECTACULAR_SETTINGS["VERSION"]
    recorded = json.loads(DIGESTS.read_text())
    assert recorded.get(version) == digest(schema), (
        f"The API schema differs from the one recorded for version {version}. Bump "
        "SPECTACULAR_SETTINGS['VERSION'], describe the change in docs/api-changelog.md, and "
        "run `make schema`.")
    headings = re.findall(r"^## (\S+)", CHANGELOG.read_text(), flags=re.M)
    assert headings and headings[0] == version, "the newest changelog entry names the version"
    assert set(recorded) <= set(headings), "every recorded version has a changelog entry"


def test_versions_only_go_forward():
    versions = [tuple(int(p) for p in v.split(".")) for v in json.loads(DIGESTS.read_text())]
    assert versions == sorted(versions) and len(set(versions)) == len(versions)
