"""Reference data: units, CQC ratings, the priority policy and the LTS age limits. Changes go
through services."""
from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import CqcRating, LtsAgeLimits, PriorityPolicy, Unit
from .services import lts_age_limits_set, policy_change, unit_rate


class CqcRatingInline(admin.TabularInline):
    model = CqcRating
    extra = 0
    can_delete = False
    fields = ("rating", "rated_on", "recorded_by")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Unit)
class UnitAdmin(SimpleHistoryAdmin):
    list_display = ("name", "provider", "region", "cqc_rating", "cqc_rated_on")
    list_filter = ("region", "cqc_rating")
    search_fields = ("name", "provider__name")
    readonly_fields = ("cqc_rating", "cqc_rated_on")
    inlines = [CqcRatingInline]


@admin.register(CqcRating)
class CqcRatingAdmin(SimpleHistoryAdmin):
    """Recording a rating here updates the unit's current rating the same day."""

    list_display = ("unit", "rating", "rated_on", "recorded_by")
    fields = ("unit", "rating", "rated_on")

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        saved = unit_rate(unit=obj.unit, rating=obj.rating, rated_on=obj.rated_on,
                          by=request.user)
        obj.pk = saved.pk


@admin.register(PriorityPolicy)
class PriorityPolicyAdmin(SimpleHistoryAdmin):
    """A new version replaces the old one; past snapshots keep naming their version."""

    list_display = ("version", "created_at", "created_by", "reason")
    readonly_fields = ("version", "created_by", "created_at")

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        weights = {name: form.cleaned_data[name] for name in PriorityPolicy.WEIGHT_FIELDS}
        saved = policy_change(by=request.user, reason=form.cleaned_data["reason"], **weights)
        obj.pk, obj.version = saved.pk, saved.version


@admin.register(LtsAgeLimits)
class LtsAgeLimitsAdmin(SimpleHistoryAdmin):
    """One row: how young a start of LTS is refused, or confirmed at triage; changed with a
    reason, as a decision."""

    list_display = ("refuse_under", "confirm_under", "reason")
    fields = ("refuse_under", "confirm_under", "reason")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        saved = lts_age_limits_set(by=request.user, reason=form.cleaned_data["reason"],
                                   refuse_under=form.cleaned_data["refuse_under"],
                                   confirm_under=form.cleaned_data["confirm_under"])
        obj.pk = saved.pk
