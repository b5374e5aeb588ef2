"""The Barriers to Change Checklist domains are data an administrator can revise."""
from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import BarrierDomain


@admin.register(BarrierDomain)
class BarrierDomainAdmin(SimpleHistoryAdmin):
    list_display = ("order", "name", "active")
    list_editable = ("active",)
    list_display_links = ("name",)
