"""URL map: one include per area, and the API under /api/."""
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from cis2 import views as cis2_views
from config import health
from pathways.api import error_handlers
from workflows.api import ApiDocsView

urlpatterns = [
    path("admin/", admin.site.urls),
    path("health/live", health.live, name="health-live"),
    path("health/ready", health.ready, name="health-ready"),
    path("health/background", health.background, name="health-background"),
    path("api/v1/", include(("config.api_urls", "api"))),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", ApiDocsView.as_view(url_name="api-schema"), name="api-docs"),
    # Sign-out is the sign-in app's: someone who came through NHS CIS2 signs out there too.
    path("accounts/logout/", cis2_views.sign_out, name="logout"),
    path("", include("cis2.urls")),
    path("", include("accounts.urls")),
    path("", include("referrals.urls")),
    path("", include("intervenors.urls")),
    path("", include("reviews.urls")),
    path("", include("workflows.urls")),
    path("", include("records.urls")),
    path("", include("notifications.urls")),
    path("", include("exports.urls")),
    path("", include("oversight.urls")),
    path("", include("imports.urls")),
]

# Under /api/ a missing route or a server error answers in the API's JSON error shape.
_handlers = error_handlers()
handler400 = _handlers["handler400"]
handler403 = _handlers["handler403"]
handler404 = _handlers["handler404"]
handler500 = _handlers["handler500"]
