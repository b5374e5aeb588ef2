"""Service-level targets and oversight thresholds: the keys are fixed; an administrator changes
their days, with a reason."""
from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import OversightThreshold, StepTarget
from .targets import step_target_set, threshold_set


@admin.register(StepTarget)
class StepTargetAdmin(SimpleHistoryAdmin):
    list_display = ("step", "working_days", "reason")
    readonly_fields = ("step",)
    fields = ("step", "working_days", "reason")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        step_target_set(by=request.user, target=obj,
                        working_days=form.cleaned_data["working_days"],
                        reason=form.cleaned_data["reason"])


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
