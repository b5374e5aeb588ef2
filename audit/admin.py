"""The retention policy is the one part of the audit an administrator sets (with a reason);
the logs themselves are never in the admin."""
from django.contrib import admin

from .models import RetentionPolicy
from .services import retention_policy_set


@admin.register(RetentionPolicy)
class RetentionPolicyAdmin(admin.ModelAdmin):
    list_display = ("record_type", "keep_years", "created_at", "created_by")
    fields = ("keep_years", "reason")

    def has_change_permission(self, request, obj=None):
        return False      # a new period is a new row, so every change keeps its reason

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        policy = retention_policy_set(by=request.user, keep_years=obj.keep_years,
                                      reason=obj.reason)
        obj.pk = policy.pk
