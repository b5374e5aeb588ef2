"""API for referrals, the triage queue and people. Same selectors and services as the pages."""
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Region
from accounts.roles import Role
from oversight.outcomes import person_outcome
from pathways.api import PageQuery, created, page_of, paginate, query, roles
from records.timeline import KINDS, person_timeline
from workflows import services as flow
from workflows.selectors import person_related

from . import selectors
from .models import (
    Concern,
    Condition,
    Discharge,
    ProtectedCharacteristics,
    Referral,
    Route,
    Unit,
)
from .validation import MAX_CONCERNS_PER_REFERRAL

TEXT = 4000


class PersonBriefSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    reference = serializers.CharField()


class ComponentSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    points = serializers.IntegerField()
    fact = serializers.CharField()


class BreakdownSerializer(serializers.Serializer):
    score = serializers.IntegerField()
    policy_version = serializers.IntegerField()
    days_in_lts = serializers.IntegerField()
    age = serializers.IntegerField()
    components = ComponentSerializer(many=True)
    flags = serializers.ListField(child=serializers.CharField())


class ReferralSerializer(serializers.ModelSerializer):
    person = PersonBriefSerializer()
    organisation = serializers.CharField(source="organisation.name")
    priority_breakdown = serializers.JSONField(help_text="Snapshot taken when raised.")
    route = serializers.ChoiceField(Route.choices, allow_blank=True,
                                    help_text="Blank until the referral is accepted.")

    class Meta:
        model = Referral
        fields = ["id", "person", "organisation", "status", "requested_route", "route", "reason",
                  "raised_at", "decision_reason", "triaged_at", "priority_score",
                  "priority_breakdown"]
        read_only_fields = fields


class ConcernInSerializer(serializers.Serializer):
    source = serializers.ChoiceField(Concern.Source.choices)
    category = serializers.ChoiceField(Concern.Category.choices)
    severity = serializers.ChoiceField(Concern.Severity.choices)
    description = serializers.CharField(max_length=TEXT)


class CharacteristicsInSerializer(serializers.Serializer):
    """Equality monitoring (optional); never returned by the API."""

    ethnicity = serializers.ChoiceField(ProtectedCharacteristics.Ethnicity.choices,
                                        default="Z")
    sex = serializers.ChoiceField(ProtectedCharacteristics.Sex.choices, default="not_stated")
    gender_identity = serializers.CharField(max_length=100, required=False, default="")
    religion = serializers.CharField(max_length=100, required=False, default="")


# What an NHS number may look like before its check digit is checked (the schema states the
# shape; the check digit is beyond a schema): ten digits, with spaces or tabs between them.
NHS_NUMBER_PATTERN = r"^[ \t]*([0-9][ \t]*){10}$"
# In a search: ten digits, with spaces or dashes anywhere between them (white space that is no
# control character: pathways.middleware refuses those in any request).
SEARCHED_NHS_NUMBER_PATTERN = r"^[\t\n\r -]*([0-9][\t\n\r -]*){10}$"
# A Pathways reference as someone types it: PW, a dash or not, any case.
SEARCHED_REFERENCE_PATTERN = r"^ *[Pp] *[Ww] *-? *([A-Za-z0-9] *){3,10}$"


class ReferralCreateSerializer(serializers.Serializer):
    nhs_number = serializers.RegexField(NHS_NUMBER_PATTERN, max_length=30, trim_whitespace=False)
    given_name = serializers.CharField(max_length=100, required=False, default="")
    family_name = serializers.CharField(max_length=100, required=False, default="")
    date_of_birth = serializers.DateField()
    condition = serializers.ChoiceField(Condition.choices)
    current_unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all())
    lts_start_date = serializers.DateField()
    admitted_on = serializers.DateField(
        required=False, default=None, allow_null=True,
        help_text="The date admitted to hospital, where known: LTS cannot begin before it.")
    legal_status = serializers.CharField(max_length=100, required=False, default="")
    requested_route = serializers.ChoiceField(Route.choices)
    reason = serializers.CharField(max_length=TEXT)
    # A ListField (not many=True) so the schema states the limit as maxItems.
    concerns = serializers.ListField(child=ConcernInSerializer(), required=False, default=list,
                                     max_length=MAX_CONCERNS_PER_REFERRAL)
    characteristics = CharacteristicsInSerializer(required=False, default=None,
                                                  allow_null=True)


class TriageSerializer(serializers.Serializer):
    route = serializers.ChoiceField([*Route.values, "decline"])
    reason = serializers.CharField(max_length=TEXT, required=False, allow_blank=True,
                                   default="")
    dates_confirmed = serializers.BooleanField(
        required=False, default=False,
        help_text="Needed to accept someone who was very young when LTS began: the coordinator "
                  "has checked the dates with the commissioner (code dates_need_confirming).")


class ReferralQuery(PageQuery):
    status = serializers.ChoiceField(Referral.Status.choices, required=False)


class ReferralListView(APIView):
    permission_classes = [roles(*Role)]

    @extend_schema(operation_id="referrals_list",
                   responses=page_of(ReferralSerializer, "Referral"), parameters=[ReferralQuery])
    def get(self, request):
        params = query(request, ReferralQuery)
        referrals = selectors.referrals_visible(request.user).order_by("-raised_at")
        if params.get("status"):
            referrals = referrals.filter(status=params["status"])
        return paginate(self, request, referrals, ReferralSerializer)

    @extend_schema(request=ReferralCreateSerializer, responses={201: ReferralSerializer})
    def post(self, request):
        if not request.user.has_perm("referrals.add_referral"):
            return Response({"code": "permission_denied",
                             "message": "Only commissioners raise referrals."}, status=403)
        data = ReferralCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        referral = flow.referral_raise_for(user=request.user, **data.validated_data)
        return created(ReferralSerializer(referral).data)


class ReferralDetailView(APIView):
    permission_classes = [roles(*Role)]

    @extend_schema(responses=ReferralSerializer)
    def get(self, request, pk):
        return Response(ReferralSerializer(selectors.referral_get(request.user, pk)).data)


class ReferralTriageView(APIView):
    permission_classes = [roles(Role.COORDINATOR)]

    @extend_schema(request=TriageSerializer, responses=ReferralSerializer)
    def post(self, request, pk):
        referral = selectors.referral_get(request.user, pk)
        data = TriageSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        referral = flow.referral_triage(referral=referral, by=request.user,
                                        **data.validated_data)
        return Response(ReferralSerializer(referral).data)


QueueRowSerializer = inline_serializer("QueueRow", {
    "referral_id": serializers.UUIDField(),
    "person": PersonBriefSerializer(),
    "rank": serializers.IntegerField(),
    "score": serializers.IntegerField(),
    "score_breakdown": BreakdownSerializer(),
    "days_in_lts": serializers.IntegerField(),
    "unit": serializers.CharField(allow_null=True),
    "unit_rating": serializers.CharField(allow_null=True),
    "region": serializers.CharField(allow_null=True),
    "requested_route": serializers.CharField(),
    "raised_at": serializers.DateTimeField(),
}, many=True)


def queue_row(rank, row) -> dict:
    unit = row.person.current_unit
    return {
        "referral_id": row.referral.pk, "rank": rank,
        "person": {"id": row.person.pk, "reference": row.person.reference},
        "score": row.priority.score, "score_breakdown": row.priority.as_dict(),
        "days_in_lts": row.priority.days_in_lts,
        "unit": unit.name if unit else None, "unit_rating": unit.cqc_rating if unit else None,
        "region": unit.region if unit else None,
        "requested_route": row.referral.requested_route, "raised_at": row.referral.raised_at,
    }


class QueueQuery(PageQuery):
    region = serializers.ChoiceField(Region.choices, required=False,
                                     help_text="The NHS England region of the current unit.")
    route = serializers.ChoiceField(Route.choices, required=False,
                                    help_text="The route the commissioner asked for.")
    age_band = serializers.ChoiceField(["child", "adult"], required=False)
    sort = serializers.ChoiceField(["score", "days"], required=False, default="score",
                                   help_text="By priority score (ties: longer in LTS) or by days.")


class QueueView(APIView):
    permission_classes = [roles(Role.COORDINATOR, Role.OVERSIGHT)]

    @extend_schema(operation_id="queue_list", responses=page_of(QueueRowSerializer, "QueueRow"),
                   parameters=[QueueQuery])
    def get(self, request):
        given = query(request, QueueQuery)
        params = {k: given.get(k, "") for k in ("region", "route", "age_band")}
        params["sort"] = given.get("sort") or "score"
        rows = selectors.triage_queue(request.user, **params)
        return paginate(self, request, rows, lambda row: queue_row(row.rank, row))


class MomentSerializer(serializers.Serializer):
    label = serializers.CharField()
    day = serializers.DateField()
    days_in_lts = serializers.IntegerField(allow_null=True,
                                           help_text="Null: not in long-term segregation then.")


class LtsEndSerializer(serializers.Serializer):
    end_date = serializers.DateField()
    how = serializers.CharField()
    days_in_lts = serializers.IntegerField()


class DischargeSerializer(serializers.Serializer):
    discharged_on = serializers.DateField()
    setting = serializers.ChoiceField(Discharge.Setting.choices)
    readmitted_on = serializers.DateField(allow_null=True)
    readmitted_within_12_months = serializers.BooleanField(source="readmitted_within_a_year")


class OutcomeSerializer(serializers.Serializer):
    moments = MomentSerializer(many=True, help_text=(
        "Days in LTS at the first referral, at each panel and intervenor case closure the "
        "caller may see, and today while LTS goes on."))
    lts_ended = LtsEndSerializer(many=True)
    discharges = DischargeSerializer(many=True)


class PersonSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    reference = serializers.CharField()
    age = serializers.IntegerField()
    condition = serializers.CharField()
    commissioner = serializers.CharField(source="commissioner.name")
    current_unit = serializers.CharField(source="current_unit.name", allow_null=True,
                                         default=None)
    unit_rating = serializers.CharField(source="current_unit.cqc_rating", allow_null=True,
                                        default=None)
    legal_status = serializers.CharField()
    priority = BreakdownSerializer()
    outcome = OutcomeSerializer()


class PersonSearchQuery(PageQuery):
    # Not trimmed before the length is judged: the limit is on what was sent.
    nhs_number = serializers.RegexField(
        SEARCHED_NHS_NUMBER_PATTERN, required=False, max_length=30, trim_whitespace=False,
        help_text="The NHS number, 10 digits; spaces and dashes are ignored.")
    reference = serializers.RegexField(
        SEARCHED_REFERENCE_PATTERN, required=False, max_length=30, trim_whitespace=False,
        help_text="The Pathways reference, like PW-7K2M9Q.")

    def validate(self, data):
        from .search import search_read

        for name, kind in (("nhs_number", "nhs_number"), ("reference", "reference")):
            if data.get(name):
                found = search_read(data[name])
                if found.kind != kind:
                    raise serializers.ValidationError({name: [
                        "Give 10 digits." if kind == "nhs_number"
                        else "Give a reference like PW-7K2M9Q."]})
                data[name] = found.value
        return data


PersonFoundSerializer = inline_serializer("PersonFound", {
    "id": serializers.UUIDField(), "reference": serializers.CharField(),
    "given_name": serializers.CharField(), "family_name": serializers.CharField(),
    "date_of_birth": serializers.DateField(),
}, many=True)


class PersonSearchView(APIView):
    """Find a person by NHS number or reference, exactly, among the people you may see: a
    person recorded by another organisation is not found (an empty list, as for nobody), nor
    is anyone when neither is given.
    Each person returned is in the access log."""

    permission_classes = [roles(*Role)]

    @extend_schema(operation_id="people_find", parameters=[PersonSearchQuery],
                   responses=page_of(PersonFoundSerializer, "PersonFound"))
    def get(self, request):
        from audit.services import access_record

        from .search import Search, people_found

        wanted = query(request, PersonSearchQuery)
        if not wanted.get("reference") and not wanted.get("nhs_number"):
            found = selectors.people_visible(request.user).none()   # nothing asked, nobody found
        elif wanted.get("reference"):
            found = people_found(request.user, Search("reference", wanted["reference"]))
            if wanted.get("nhs_number"):
                found = found.filter(nhs_number=wanted["nhs_number"])
        else:
            found = people_found(request.user, Search("nhs_number", wanted["nhs_number"]))
        found = list(found.order_by("reference"))
        for person in found:
            access_record(request=request, person=person, object_type="search",
                          object_id=person.pk)
        return paginate(self, request, found, lambda person: {
            "id": person.pk, "reference": person.reference, "given_name": person.given_name,
            "family_name": person.family_name, "date_of_birth": person.date_of_birth})


class PersonDetailView(APIView):
    permission_classes = [roles(*Role)]

    @extend_schema(responses=PersonSerializer)
    def get(self, request, pk):
        from audit.services import access_record

        person = selectors.person_get(request.user, pk)
        access_record(request=request, obj=person, person=person)
        person.priority = selectors.person_priority(person).as_dict()
        found = person_outcome(person, person_related(request.user, person))
        person.outcome = {**found, "lts_ended": [
            {"end_date": end, "how": how, "days_in_lts": days} for end, how, days in found["ended"]]}
        return Response(PersonSerializer(person).data)


EventSerializer = inline_serializer("TimelineEvent", {
    "at": serializers.DateTimeField(), "kind": serializers.CharField(),
    "title": serializers.CharField(), "actor": serializers.CharField(),
    "reason": serializers.CharField(),
}, many=True)


class TimelineQuery(PageQuery):
    kind = serializers.ListField(child=serializers.ChoiceField(sorted(KINDS)), required=False,
                                 help_text="Only these kinds of event (repeat for several).")


class PersonTimelineView(APIView):
    permission_classes = [roles(*Role)]

    @extend_schema(operation_id="person_timeline",
                   responses=page_of(EventSerializer, "TimelineEvent"), parameters=[TimelineQuery])
    def get(self, request, pk):
        person = selectors.person_get(request.user, pk)
        kinds = set(query(request, TimelineQuery).get("kind", []))
        events = person_timeline(request.user, person, kinds or None)
        return paginate(self, request, events, lambda e: {
            "at": e.at, "kind": e.kind, "title": e.title, "actor": e.actor, "reason": e.reason})
