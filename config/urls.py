"""URL map: one include per area."""
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("accounts.urls")),
    path("", include("referrals.urls")),
    path("", include("intervenors.urls")),
    path("", include("reviews.urls")),
    path("", include("workflows.urls")),
]
