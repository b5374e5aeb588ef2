"""Django's static files app, told which packages' files Pathways never serves, so that
collecting and compressing them (`make serve`, every deploy) skips them: viewflow's own UI is
not mounted (decision 0001) and its CSS names fonts it does not ship; the API's documentation
is Swagger UI, so the sidecar's ReDoc (15 MB) is not needed."""
from django.contrib.staticfiles.apps import StaticFilesConfig


class StaticFiles(StaticFilesConfig):
    ignore_patterns = [*StaticFilesConfig.ignore_patterns, "viewflow",
                       "drf_spectacular_sidecar/redoc/*"]
