"""Service-level targets: the steps are fixed; an administrator changes their days, with a
reason."""
from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import StepTarget
from .targets import step_target_set


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
