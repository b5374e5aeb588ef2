"""Oversight thresholds: the keys are fixed; an administrator changes their days, with a
reason."""
from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import OversightThreshold
from .services import threshold_set


@admin.register(OversightThreshold)
class OversightThresholdAdmin(SimpleHistoryAdmin):
    list_display = ("key", "days", "reason")
    fields = ("key", "days", "reason")

    def get_readonly_fields(self, request, obj=None):
        return ("key",) if obj else ()

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        threshold_set(by=request.user, threshold=obj, days=form.cleaned_data["days"],
                      reason=form.cleaned_data["reason"])
