"""Data an administrator revises, with history: the Barriers to Change Checklist domains (and
the theme each counts towards) and the taxonomy of themes of learning."""
from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import BarrierDomain, Theme


@admin.register(BarrierDomain)
class BarrierDomainAdmin(SimpleHistoryAdmin):
    list_display = ("order", "name", "theme", "active")
    list_editable = ("active",)
    list_display_links = ("name",)


@admin.register(Theme)
class ThemeAdmin(SimpleHistoryAdmin):
    list_display = ("order", "name", "code", "active")
    list_editable = ("active",)
    list_display_links = ("name",)
    prepopulated_fields = {"code": ("name",)}
