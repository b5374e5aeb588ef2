"""The trends through the API: the same rows as the trends CSV, a page at a time."""
from datetime import date

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.views import APIView

from accounts.roles import Role
from audit.services import access_record
from pathways.api import PageQuery, page_of, paginate, query, roles

from .trends import MEASURES, NOT_PUBLISHED, SUPPRESSED


class TrendQuery(PageQuery):
    measure = serializers.ChoiceField([m.key for m in MEASURES], required=False,
                                      help_text="Only this measure.")
    group = serializers.CharField(max_length=100, required=False,
                                  help_text='Only this group: "England", or a breakdown and '
                                            'group as the rows name them ("Region: London").')


class TrendRow(serializers.Serializer):
    measure = serializers.CharField(help_text="The measure's key (see the trends page).")
    group = serializers.CharField(help_text='"England", or "<breakdown>: <group>".')
    month = serializers.CharField(help_text="YYYY-MM.")
    value = serializers.FloatField(allow_null=True,
                                   help_text="Null unless `published` is `shown`.")
    published = serializers.ChoiceField(
        ["shown", "suppressed", "not_published", "no_data"],
        help_text="`suppressed`: a small count, or one that would give one away; "
                  "`not_published`: the month's breakdown is too small to publish; "
                  "`no_data`: no figure that month (a median of fewer than 5).")
    mean = serializers.FloatField(allow_null=True, help_text="England's series only.")
    lower_limit = serializers.FloatField(allow_null=True)
    upper_limit = serializers.FloatField(allow_null=True)
    special_cause = serializers.CharField(
        help_text="Empty for common cause; else the Making Data Count rule that fired.")


def _row(values: list) -> dict:
    measure, group, month, value, mean, lower, upper, rule = values
    published = {SUPPRESSED: "suppressed", NOT_PUBLISHED: "not_published",
                 None: "no_data"}.get(value, "shown") if not isinstance(value, int | float) \
        else "shown"
    return {"measure": measure, "group": group, "month": month,
            "value": value if published == "shown" else None, "published": published,
            "mean": mean, "lower_limit": lower, "upper_limit": upper, "special_cause": rule}


class TrendsView(APIView):
    """Each measure by month for the last 36 complete months: England with its SPC (mean,
    limits, the rule that fired), and each breakdown's groups, small counts suppressed."""

    permission_classes = [roles(Role.OVERSIGHT, Role.COORDINATOR)]

    @extend_schema(operation_id="trends_list", responses=page_of(TrendRow, "TrendRow"),
                   parameters=[TrendQuery])
    def get(self, request):
        from .trends import csv_rows
        from .views import _trend_series

        asked = query(request, TrendQuery)
        access_record(request=request, object_type="api:trends", object_id="aggregate")
        found, _ = _trend_series(date.today())
        rows = [r for r in csv_rows(found)
                if asked.get("measure") in (None, r[0]) and asked.get("group") in (None, r[1])]
        return paginate(self, request, rows, _row)
