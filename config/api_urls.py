"""/api/v1/: the REST API, with its OpenAPI schema at /api/schema/ and docs at /api/docs/."""
from django.urls import path

from exports import api as exports
from intervenors import api as intervenors
from notifications import api as notifications
from oversight import api as oversight
from referrals import api as referrals
from reviews import api as reviews
from workflows import api as workflows

urlpatterns = [
    path("auth/token/", workflows.TokenView.as_view(), name="token"),
    path("auth/token/revoke/", workflows.TokenRevokeView.as_view(), name="token-revoke"),
    path("me/tasks/", workflows.MyTasksView.as_view(), name="my-tasks"),
    path("me/notifications/", notifications.MyNoticesView.as_view(), name="my-notifications"),
    path("me/notifications/<int:pk>/read/", notifications.MyNoticeReadView.as_view(),
         name="my-notification-read"),
    path("referrals/", referrals.ReferralListView.as_view(), name="referrals"),
    path("referrals/<uuid:pk>/", referrals.ReferralDetailView.as_view(), name="referral"),
    path("referrals/<uuid:pk>/triage/", referrals.ReferralTriageView.as_view(), name="triage"),
    path("queue/", referrals.QueueView.as_view(), name="queue"),
    path("people/", referrals.PersonSearchView.as_view(), name="people"),
    path("people/<uuid:pk>/", referrals.PersonDetailView.as_view(), name="person"),
    path("people/<uuid:pk>/timeline/", referrals.PersonTimelineView.as_view(), name="timeline"),
    path("reviews/", reviews.ReviewListView.as_view(), name="reviews"),
    path("reviews/<uuid:pk>/", reviews.ReviewDetailView.as_view(), name="review"),
    path("actions/", reviews.ActionListView.as_view(), name="actions"),
    path("actions/<uuid:pk>/updates/", reviews.ActionUpdatesView.as_view(),
         name="action-updates"),
    path("actions/<uuid:pk>/owner/", reviews.ActionOwnerView.as_view(), name="action-owner"),
    path("intervenors/", intervenors.IntervenorListView.as_view(), name="intervenors"),
    path("intervenor-cases/", intervenors.CaseListView.as_view(), name="cases"),
    path("intervenor-cases/<uuid:pk>/plan/", intervenors.CasePlanView.as_view(),
         name="case-plan"),
    path("intervenor-cases/<uuid:pk>/assign/", intervenors.CaseAssignView.as_view(),
         name="case-assign"),
    path("intervenor-cases/<uuid:pk>/close/", intervenors.CaseCloseView.as_view(),
         name="case-close"),
    path("trends/", oversight.TrendsView.as_view(), name="trends"),
    path("exports/", exports.ExportListView.as_view(), name="exports"),
    path("exports/<uuid:pk>/", exports.ExportDetailView.as_view(), name="export"),
    path("exports/<uuid:pk>/file/", exports.ExportFileView.as_view(), name="export-file"),
]
