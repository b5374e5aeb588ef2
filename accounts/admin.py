"""Administrators manage people's accounts and organisations here; casework is not in admin."""
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from simple_history.admin import SimpleHistoryAdmin

from .models import Organisation, User
from .services import user_set_organisation


@admin.register(User)
class UserAdmin(BaseUserAdmin, SimpleHistoryAdmin):
    list_display = ("username", "first_name", "last_name", "organisation", "is_active")
    list_filter = ("is_active", "groups", "organisation")
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        ("Organisation", {"fields": ("organisation", "job_title")}),
    )

    def save_model(self, request, obj, form, change):
        organisation = obj.organisation
        if change:
            obj.organisation = User.objects.get(pk=obj.pk).organisation
        super().save_model(request, obj, form, change)
        # Keep the organisation's permission group in step with the user's organisation.
        user_set_organisation(user=obj, organisation=organisation)


@admin.register(Organisation)
class OrganisationAdmin(SimpleHistoryAdmin):
    list_display = ("name", "kind", "region")
    list_filter = ("kind", "region")
    search_fields = ("name",)
