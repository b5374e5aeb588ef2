"""API for intervenors, their cases, assignment and closure."""
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.roles import Role
from pathways.api import PageQuery, page_of, paginate, query, roles
from pathways.errors import ConflictError
from pathways.paging import without_long_texts
from referrals.api import PersonBriefSerializer
from workflows import services as flow
from workflows.selectors import case_actions

from . import selectors
from .models import MAX_ACTIVE_CASES, Intervenor, IntervenorCase


class IntervenorSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="user.get_full_name")
    active_case_count = serializers.IntegerField(source="active_count")
    max_active_cases = serializers.SerializerMethodField()

    class Meta:
        model = Intervenor
        fields = ["id", "name", "regions", "available", "active_case_count", "max_active_cases"]
        read_only_fields = fields

    def get_max_active_cases(self, obj) -> int:
        return MAX_ACTIVE_CASES


class CaseSerializer(serializers.ModelSerializer):
    person = PersonBriefSerializer()
    intervenor = serializers.CharField(source="intervenor.user.get_full_name", allow_null=True,
                                       default=None)
    intervenor_id = serializers.UUIDField(allow_null=True)
    proposed_outcome = serializers.ChoiceField(IntervenorCase.Outcome.choices, allow_blank=True)
    outcome = serializers.ChoiceField(IntervenorCase.Outcome.choices, allow_blank=True,
                                      help_text="Blank until the case is closed.")

    class Meta:
        model = IntervenorCase
        fields = ["id", "person", "referral", "status", "intervenor", "intervenor_id",
                  "waiting_since", "assigned_on", "proposed_outcome", "outcome", "closed_on"]
        read_only_fields = fields


class AssignSerializer(serializers.Serializer):
    intervenor = serializers.PrimaryKeyRelatedField(queryset=Intervenor.objects.all())
    reason = serializers.CharField(max_length=4000, required=False, allow_blank=True,
                                   default="")


class CloseSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(IntervenorCase.Outcome.choices)
    reason = serializers.CharField(max_length=4000)


class IntervenorListView(APIView):
    permission_classes = [roles(Role.COORDINATOR, Role.OVERSIGHT)]

    @extend_schema(operation_id="intervenors_list",
                   responses=page_of(IntervenorSerializer, "Intervenor"), parameters=[PageQuery])
    def get(self, request):
        return paginate(self, request, selectors.intervenors_with_load(),
                        IntervenorSerializer)


class CaseQuery(PageQuery):
    status = serializers.ChoiceField(IntervenorCase.Status.choices, required=False)


class CaseListView(APIView):
    permission_classes = [roles(Role.COORDINATOR, Role.OVERSIGHT, Role.INTERVENOR,
                                Role.COMMISSIONER)]

    @extend_schema(operation_id="intervenor_cases_list",
                   responses=page_of(CaseSerializer, "Case"), parameters=[CaseQuery])
    def get(self, request):
        cases = without_long_texts(selectors.cases_visible(request.user), "referral").order_by(
            "waiting_since", "pk")
        status = query(request, CaseQuery).get("status")
        if status:
            cases = cases.filter(status=status)
        return paginate(self, request, cases, CaseSerializer)


class CaseAssignView(APIView):
    permission_classes = [roles(Role.COORDINATOR)]

    @extend_schema(request=AssignSerializer, responses=CaseSerializer)
    def post(self, request, pk):
        case = selectors.case_get(request.user, pk)
        data = AssignSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        case = flow.case_assign(case=case, by=request.user, **data.validated_data)
        return Response(CaseSerializer(selectors.case_get(request.user, case.pk)).data)


class CaseCloseView(APIView):
    """The case's intervenor proposes closure; a coordinator then confirms the same outcome."""

    permission_classes = [roles(Role.INTERVENOR, Role.COORDINATOR)]

    @extend_schema(request=CloseSerializer, responses=CaseSerializer)
    def post(self, request, pk):
        case = selectors.case_get(request.user, pk)
        data = CloseSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        outcome, reason = data.validated_data["outcome"], data.validated_data["reason"]
        user = request.user
        if case.intervenor is not None and case.intervenor.user_id == user.pk:
            flow.case_propose_closure(case=case, by=user, outcome=outcome, reason=reason)
        elif user.has_perm("intervenors.confirm_closure_intervenorcase"):
            if case.proposed_outcome and case.proposed_outcome != outcome:
                raise ConflictError(
                    f"The intervenor proposed '{case.get_proposed_outcome_display()}'; confirm "
                    "that outcome or return the case to casework in the app.",
                    code="outcome_mismatch")
            flow.case_confirm_closure(case=case, by=user, confirm=True, reason=reason)
        else:
            return Response({"code": "permission_denied",
                             "message": "Only the case's intervenor or a coordinator can close "
                                        "it."}, status=403)
        return Response(CaseSerializer(selectors.case_get(user, case.pk)).data)


class MilestoneSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    title = serializers.CharField()
    standard = serializers.CharField(source="kind.code", allow_null=True, default=None,
                                     help_text="The standard milestone's code, or null.")
    owner_name = serializers.CharField()
    owner_organisation = serializers.CharField(source="owner_organisation.name",
                                               allow_null=True, default=None)
    target_date = serializers.DateField()
    status = serializers.ChoiceField(["planned", "in_progress", "done", "dropped"])
    done_on = serializers.DateField(allow_null=True)
    note = serializers.CharField()


class BarrierSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    kind = serializers.CharField(source="kind.code")
    kind_name = serializers.CharField(source="kind.name")
    note = serializers.CharField()
    status = serializers.ChoiceField(["open", "being_worked", "resolved"])
    recorded_at = serializers.DateTimeField()
    escalated_at = serializers.DateTimeField(allow_null=True)
    escalation_need = serializers.CharField()
    answered_at = serializers.DateTimeField(allow_null=True)
    answer = serializers.CharField()


class AgreedActionSerializer(serializers.Serializer):
    """An action agreed on the case, as the case's readers see it; the whole action, with its
    updates, is at /api/v1/actions/{id}/."""

    id = serializers.UUIDField()
    text = serializers.CharField()
    theme = serializers.CharField(source="theme.code", allow_null=True, default=None)
    owner_name = serializers.CharField()
    owner_organisation = serializers.CharField(source="owner_organisation.name")
    issued_on = serializers.DateField(help_text="The day the intervenor agreed it.")
    due_date = serializers.DateField()
    status = serializers.ChoiceField(["open", "in_progress", "completed", "verified",
                                      "cancelled"])
    overdue = serializers.BooleanField(source="is_overdue")
    escalated_at = serializers.DateTimeField(allow_null=True)


class CasePlanSerializer(serializers.Serializer):
    milestones = MilestoneSerializer(many=True)
    barriers = BarrierSerializer(many=True)
    actions = AgreedActionSerializer(many=True, help_text="Actions the intervenor agreed with "
                                                          "the local system, that you may see.")


class CasePlanView(APIView):
    """A case's discharge plan milestones, system barriers and agreed actions (issue 45), to
    whoever may see the case; anyone else gets the same 404 as for no case."""

    permission_classes = CaseListView.permission_classes

    @extend_schema(operation_id="intervenor_case_plan", responses=CasePlanSerializer)
    def get(self, request, pk):
        case = selectors.case_get(request.user, pk)
        return Response(CasePlanSerializer({
            "milestones": case.milestones.select_related("kind", "owner_organisation"),
            "barriers": case.barriers.select_related("kind"),
            "actions": case_actions(request.user, case).select_related("theme")}).data)
