"""Record the API schema for its version: the YAML in docs/api/ and its digest, which
tests/test_api_contract.py compares with the schema the code produces."""
import hashlib
import json
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from drf_spectacular.generators import SchemaGenerator

DOCS = Path(settings.BASE_DIR) / "docs" / "api"
DIGESTS = DOCS / "schema-digests.json"


def current_schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def digest(schema: dict) -> str:
    return hashlib.sha256(json.dumps(schema, sort_keys=True).encode()).hexdigest()


class Command(BaseCommand):
    help = "Write docs/api/openapi.yaml and record the schema digest for its version."

    def handle(self, *args, **options):
        call_command("spectacular", file=str(DOCS / "openapi.yaml"))
        schema = current_schema()
        recorded = json.loads(DIGESTS.read_text()) if DIGESTS.exists() else {}
        recorded[schema["info"]["version"]] = digest(schema)
        DIGESTS.write_text(json.dumps(recorded, indent=2) + "\n")
        self.stdout.write(f"Recorded the schema for version {schema['info']['version']}.")
