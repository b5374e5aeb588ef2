"""The files `collectstatic` gathers from the installed apps, less those Pathways never serves,
so that collecting and compressing them (`make serve`, every deploy) skips them: viewflow's own
UI is not mounted (decision 0001) and its CSS names fonts it does not ship; the API's
documentation is Swagger UI, so the sidecar's ReDoc (15 MB) is not needed.

A finder rather than a subclass of the static files app: test tools look for
"django.contrib.staticfiles" in INSTALLED_APPS by name to serve static files."""
from django.contrib.staticfiles.finders import AppDirectoriesFinder

NEVER_SERVED = ["viewflow", "drf_spectacular_sidecar/redoc/*"]


class AppFilesServed(AppDirectoriesFinder):
    def list(self, ignore_patterns):
        return super().list([*(ignore_patterns or []), *NEVER_SERVED])
