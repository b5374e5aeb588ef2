"""API for reviews and actions."""
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.roles import Role
from pathways.api import PageQuery, TextUUIDField, created, page_of, paginate, query, roles
from pathways.errors import DomainError
from pathways.paging import KeysFirst
from referrals.api import PersonBriefSerializer
from workflows.deadlines import after_action_update

from . import selectors, services
from .models import Action, ActionStatus, ActionUpdate, PanelMember, Review


class PanelMemberSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="display_name")

    class Meta:
        model = PanelMember
        fields = ["name", "role"]


class ActionSerializer(serializers.ModelSerializer):
    person = PersonBriefSerializer()
    source = serializers.SerializerMethodField(
        help_text="Where the action came from: `review` (a review's recommendation) or `case` "
                  "(agreed by the senior intervenor on their case).")
    review = serializers.UUIDField(source="review_id", allow_null=True,
                                   help_text="The review, for an action from a review.")
    case = serializers.UUIDField(source="case_id", allow_null=True,
                                 help_text="The intervenor case, for an action agreed on it.")
    owner_organisation = serializers.CharField(source="owner_organisation.name")
    owner_organisation_id = serializers.UUIDField()
    owner_id = serializers.IntegerField(allow_null=True, help_text="The named owner (a user).")
    recommendation = serializers.CharField(source="recommendation.text", allow_null=True,
                                           help_text="The recommendation, for an action from "
                                                     "a review.")
    issued_on = serializers.DateField(help_text="The day the report was issued, or the day the "
                                                "intervenor agreed the action.")
    overdue = serializers.BooleanField(source="is_overdue")

    class Meta:
        model = Action
        fields = ["id", "source", "review", "case", "person", "recommendation", "issued_on",
                  "text", "owner_organisation",
                  "owner_organisation_id", "owner_id", "owner_name", "due_date", "status", "overdue",
                  "completion_evidence", "cancel_reason", "verified_at", "escalated_at"]
        read_only_fields = fields


    def get_source(self, action) -> str:
        return "case" if action.from_case else "review"


class ReviewSerializer(serializers.ModelSerializer):
    person = PersonBriefSerializer()

    class Meta:
        model = Review
        fields = ["id", "referral", "person", "kind", "status", "requested_at", "scheduled_for",
                  "held_on", "report_issued_on"]
        read_only_fields = fields


class ReviewDetailSerializer(ReviewSerializer):
    panel = PanelMemberSerializer(many=True)
    actions = ActionSerializer(many=True)

    class Meta(ReviewSerializer.Meta):
        fields = [*ReviewSerializer.Meta.fields, "findings", "report_summary", "panel",
                  "actions"]
        read_only_fields = fields


class ActionUpdateSerializer(serializers.ModelSerializer):
    author = serializers.CharField(source="author.get_full_name")

    class Meta:
        model = ActionUpdate
        fields = ["id", "created_at", "author", "text", "new_status"]
        read_only_fields = fields


class ActionUpdateInSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=4000)
    transition = serializers.ChoiceField(["", "start", "complete", "reopen", "verify", "cancel"],
                                         required=False, default="")
    evidence = serializers.CharField(max_length=8000, required=False, allow_blank=True,
                                     default="")
    reason = serializers.CharField(max_length=4000, required=False, allow_blank=True,
                                   default="")


class ReviewListView(APIView):
    permission_classes = [roles(Role.CHAIR, Role.PANEL_MEMBER, Role.COORDINATOR, Role.OVERSIGHT,
                                Role.COMMISSIONER)]

    @extend_schema(operation_id="reviews_list", responses=page_of(ReviewSerializer, "Review"),
                   parameters=[PageQuery])
    def get(self, request):
        reviews = selectors.my_reviews(request.user).order_by("-requested_at", "-pk")
        return paginate(self, request, reviews, ReviewSerializer)


class ReviewDetailView(APIView):
    permission_classes = ReviewListView.permission_classes

    @extend_schema(responses=ReviewDetailSerializer)
    def get(self, request, pk):
        review = selectors.review_get(request.user, pk)
        return Response(ReviewDetailSerializer(review).data)


class ActionFilter(serializers.Serializer):
    status = serializers.ChoiceField(ActionStatus.choices, required=False)
    overdue = serializers.BooleanField(required=False, default=False,
                                       help_text="Only open actions past their due date.")
    escalated = serializers.BooleanField(required=False, default=False,
                                         help_text="Only open actions that were escalated.")
    owner_organisation = TextUUIDField(required=False,
                                               help_text="Only actions owned in this organisation.")
    source = serializers.ChoiceField(["review", "case"], required=False,
                                     help_text="Only actions from reviews, or only those agreed "
                                               "by senior intervenors on their cases.")


class ActionQuery(PageQuery, ActionFilter):
    pass


def action_list_queryset(user, request, filter_class=ActionQuery):
    params = query(request, filter_class)
    return selectors.actions_filtered(user, status=params.get("status", ""),
                                      overdue=params.get("overdue", False),
                                      escalated=params.get("escalated", False),
                                      owner_organisation=params.get("owner_organisation"),
                                      source=params.get("source", ""))


class ActionListView(APIView):
    permission_classes = [roles(Role.COMMISSIONER, Role.COORDINATOR, Role.OVERSIGHT, Role.CHAIR,
                                Role.INTERVENOR, Role.ACTION_OWNER)]

    @extend_schema(operation_id="actions_list", responses=page_of(ActionSerializer, "Action"),
                   parameters=[ActionQuery])
    def get(self, request):
        actions = action_list_queryset(request.user, request)
        return paginate(self, request, KeysFirst(actions), ActionSerializer)


class ActionUpdatesView(APIView):
    permission_classes = ActionListView.permission_classes

    @extend_schema(operation_id="action_updates_list",
                   responses=page_of(ActionUpdateSerializer, "ActionUpdate"),
                   parameters=[PageQuery])
    def get(self, request, pk):
        action = selectors.action_get(request.user, pk)
        return paginate(self, request, action.updates.select_related("author"),
                        ActionUpdateSerializer)

    @extend_schema(request=ActionUpdateInSerializer, responses={201: ActionUpdateSerializer})
    def post(self, request, pk):
        action = selectors.action_get(request.user, pk)
        data = ActionUpdateInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        # The service holds the rule of who may post and move the action (403 otherwise).
        update = services.action_update(action=action, by=request.user, **data.validated_data)
        after_action_update(action)
        return created(ActionUpdateSerializer(update).data)


class ActionOwnerInSerializer(serializers.Serializer):
    owner = serializers.IntegerField(help_text="The user who will own the action.")
    reason = serializers.CharField(max_length=4000)


class ActionOwnerView(APIView):
    permission_classes = [roles(Role.COORDINATOR)]

    @extend_schema(operation_id="action_owner_change", request=ActionOwnerInSerializer,
                   responses=ActionSerializer)
    def post(self, request, pk):
        action = selectors.action_get(request.user, pk)
        data = ActionOwnerInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        owner = selectors.action_owner_candidates().filter(pk=data.validated_data["owner"]).first()
        if owner is None:
            raise DomainError("Choose a commissioner, an intervenor or a named action owner.",
                              field="owner")
        action = services.action_set_owner(action=action, by=request.user, owner=owner,
                                           reason=data.validated_data["reason"])
        return Response(ActionSerializer(selectors.action_get(request.user, action.pk)).data)
