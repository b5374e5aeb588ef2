"""Administrators manage people's accounts and organisations here; casework is not in admin.

The account form holds no superuser, staff, group or permission fields (issue 10): roles are
granted through `user_set_roles`, each with a reason and a Decision, never to oneself, and the
Administrator role only by a superuser. Who an account is (sign-in name, email address), where
it works and whether it is on are changed through `user_update_account`, each an account
decision with a reason; a new address is told to the old one.

An administrator never learns, sets or receives another person's password. A set-password link
goes to the account's address, and never from the administrator who set that address
(security round 3, finding 1): whoever set it could have set their own, so another
administrator, or a superuser, checks it and sends the link.
"""
from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from simple_history.admin import SimpleHistoryAdmin

from audit.services import stamp
from pathways.errors import DomainError, NotAllowedError

from .identity import access_request_approve, access_request_refuse
from .models import AccessRequest, Organisation, User
from .roles import Role
from .services import password_link_send, user_set_roles, user_update_account
from .views import passwords_only


def _admin_sign_in(request, extra_context=None):
    """The administration site has no sign-in form of its own: everyone signs in on Pathways'
    sign-in page (NHS CIS2, or a password where passwords are on) and comes back."""
    return redirect_to_login(request.GET.get("next") or reverse("admin:index"))


admin.site.login = _admin_sign_in
admin.site.password_change = passwords_only(admin.site.password_change)
admin.site.password_change_done = passwords_only(admin.site.password_change_done)

# Fields that say who an account is or what it may reach: changing any of them needs a reason.
ACCOUNT_DECISION_FIELDS = ("username", "email", "organisation", "is_active")


class AccountForm(forms.ModelForm):
    roles = forms.MultipleChoiceField(
        label="Roles", required=False, widget=forms.CheckboxSelectMultiple,
        help_text="What this person does in Pathways. Each role brings its own pages; the "
                  "people, reviews and cases they see still follow their relationships.")
    reason = forms.CharField(
        label="Reason for the change", required=False, widget=forms.Textarea(attrs={"rows": 2}),
        max_length=1000, help_text="Needed when roles, sign-in name, email address, "
                                   "organisation or access change. It is kept with the change "
                                   "in the audit log.")

    class Meta:
        model = User
        fields = ["username", "first_name", "last_name", "email", "job_title", "organisation",
                  "is_active"]

    def __init__(self, *args, acting=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.acting = acting
        own = acting is not None and self.instance.pk is not None and self.instance.pk == acting.pk
        # One's own roles are shown as they are (the field is read-only then), Administrator
        # included; otherwise only a superuser is offered that role.
        choices = [(r.value, r.label) for r in Role
                   if r != Role.ADMINISTRATOR or own or (acting and acting.is_superuser)]
        self.fields["roles"].choices = choices
        self.fields["email"].required = True
        if self.instance.pk:
            self.fields["roles"].initial = list(self.instance.groups.filter(
                name__in=Role.values).values_list("name", flat=True))
            if own:
                for name in ("roles", *ACCOUNT_DECISION_FIELDS):
                    self.fields[name].disabled = True
                self.fields["roles"].help_text = ("Another administrator changes your roles, "
                                                  "sign-in name, email address and access.")

    def clean(self):
        data = super().clean()
        user = self.instance
        if self.fields["roles"].disabled:
            return data
        current = set()
        if user.pk:
            current = set(user.groups.filter(name__in=Role.values).values_list("name", flat=True))
            if Role.ADMINISTRATOR in current and not (self.acting and self.acting.is_superuser):
                # Only a superuser gives or takes the Administrator role.
                data["roles"] = [*data.get("roles", []), Role.ADMINISTRATOR.value]
        changed = set(data.get("roles", [])) != current or (user.pk and any(
            name in self.changed_data for name in ACCOUNT_DECISION_FIELDS))
        if changed and not (data.get("reason") or "").strip():
            self.add_error("reason", "Give the reason for changing this person's roles, "
                                     "sign-in name, email address, organisation or access.")
        return data


class OrganisationUnconfirmedFilter(admin.SimpleListFilter):
    title = "organisation check"
    parameter_name = "organisation_check"

    def lookups(self, request, model_admin):
        return [("unconfirmed", "Not confirmed by NHS CIS2")]

    def queryset(self, request, queryset):
        if self.value() == "unconfirmed":
            return queryset.filter(organisation_unconfirmed_since__isnull=False)
        return queryset


@admin.register(User)
class UserAdmin(SimpleHistoryAdmin, BaseUserAdmin):
    list_display = ("username", "first_name", "last_name", "organisation", "is_active",
                    "signs_in_with", "organisation_check")
    list_filter = ("is_active", "groups", "organisation", OrganisationUnconfirmedFilter)
    form = add_form = AccountForm
    fieldsets = add_fieldsets = (
        (None, {"fields": ("username", "first_name", "last_name", "email")}),
        ("Work", {"fields": ("organisation", "job_title")}),
        ("Access", {"fields": ("is_active", "roles", "reason")}),
    )
    readonly_fields = ()
    actions = ["send_password_link"]

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:
            return fieldsets
        return (*fieldsets, ("NHS CIS2", {"fields": (
            "signs_in_with", "organisation_check", "cis2_ods_codes", "cis2_signed_in_at")}))

    def get_readonly_fields(self, request, obj=None):
        extra = ("signs_in_with", "organisation_check", "cis2_ods_codes", "cis2_signed_in_at")
        return (*super().get_readonly_fields(request, obj), *(extra if obj else ()))

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not settings.PASSWORD_SIGN_IN:
            actions.pop("send_password_link", None)    # no passwords, so no links to set one
        return actions

    @admin.display(description="Signs in with")
    def signs_in_with(self, obj):
        if obj.cis2_uid:
            return "NHS CIS2"
        return "Password" if settings.PASSWORD_SIGN_IN and obj.has_usable_password() else "Nothing yet"

    @admin.display(description="Organisation check")
    def organisation_check(self, obj):
        if obj.organisation_unconfirmed_since is not None:
            return (f"Not confirmed by NHS CIS2 since "
                    f"{timezone.localtime(obj.organisation_unconfirmed_since):%d %b %Y %H:%M}: "
                    "no casework until the organisation is put right")
        return "Confirmed by NHS CIS2" if obj.cis2_uid else "Not checked (no NHS CIS2 sign-in)"

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)

        class BoundAccountForm(form):
            def __init__(self, *args, **inner):
                super().__init__(*args, acting=request.user, **inner)

        return BoundAccountForm

    def revert_disabled(self, request, obj=None):
        """An account's history is read, never restored: a restored version would bring back
        an address or an organisation without the decision each change needs."""
        return True

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def user_change_password(self, request, id, form_url=""):
        if not settings.PASSWORD_SIGN_IN:
            raise Http404("Passwords are switched off.")
        if not request.user.is_superuser:
            raise PermissionDenied   # administrators send a link; they never set a password
        return super().user_change_password(request, id, form_url)

    def save_model(self, request, obj, form, change):
        self._saved = False
        data = form.cleaned_data
        try:
            with transaction.atomic():
                own = change and obj.pk == request.user.pk
                if change:
                    # Who the account is, where it works and whether it is on change through
                    # the service (a decision each); the rest (names, job title) saves here.
                    saved = User.objects.get(pk=obj.pk)
                    for name in ACCOUNT_DECISION_FIELDS:
                        setattr(obj, name, getattr(saved, name))
                    stamp(obj, by=request.user,
                          reason=data["reason"] or "Account details updated")
                    super().save_model(request, obj, form, change)
                    if not own:
                        user_update_account(
                            user=obj, by=request.user, reason=data["reason"],
                            organisation=data["organisation"], is_active=data["is_active"],
                            email=data["email"], username=data["username"])
                else:
                    obj.set_unusable_password()
                    obj.organisation = None
                    obj.email_set_by, obj.email_set_at = request.user, timezone.now()
                    stamp(obj, by=request.user, reason=data["reason"] or "New account")
                    super().save_model(request, obj, form, change)
                    if data["organisation"] is not None or not data["is_active"]:
                        obj.is_active = True
                        user_update_account(user=obj, by=request.user,
                                            is_active=data["is_active"],
                                            organisation=data["organisation"],
                                            reason=data["reason"] or "New account")
                if not own:
                    user_set_roles(user=obj, roles=data["roles"], by=request.user,
                                   reason=data["reason"])
        except DomainError as error:
            self.message_user(request, f"Nothing was saved: {error.message}", messages.ERROR)
            return
        self._saved = True
        if not change:
            self._send_link(request, obj)

    def save_related(self, request, form, formsets, change):
        if getattr(self, "_saved", True):
            super().save_related(request, form, formsets, change)

    def _send_link(self, request, user) -> None:
        if not settings.PASSWORD_SIGN_IN:
            self.message_user(request, f"{user.get_username()} signs in with NHS CIS2: when "
                                       "they first do, approve their access request and choose "
                                       "this account for it.")
            return
        try:
            password_link_send(user=user, by=request.user)
        except NotAllowedError as refusal:
            self.message_user(request, f"No link was sent to {user.get_username()}: "
                                       f"{refusal.message}", messages.WARNING)
            return
        self.message_user(request, f"A link to set a password was emailed to {user.email}.")

    @admin.action(description="Email a link to set a new password")
    def send_password_link(self, request, queryset):
        for user in queryset:
            self._send_link(request, user)


@admin.register(Organisation)
class OrganisationAdmin(SimpleHistoryAdmin):
    list_display = ("name", "ods_code", "kind", "region")
    list_filter = ("kind", "region")
    search_fields = ("name", "ods_code")

    def save_model(self, request, obj, form, change):
        if obj.ods_code:
            obj.ods_code = obj.ods_code.strip().upper()
        super().save_model(request, obj, form, change)


class AccessRequestForm(forms.ModelForm):
    DECISIONS = [("approve", "Approve: they may sign in with the roles below"),
                 ("refuse", "Refuse: they may not use Pathways")]
    decision = forms.ChoiceField(label="Decision", choices=DECISIONS,
                                 widget=forms.RadioSelect)
    account = forms.ModelChoiceField(
        label="Existing account", required=False,
        queryset=User.objects.filter(cis2_uid__isnull=True, is_superuser=False),
        help_text="Only if this person already has a Pathways account from before NHS CIS2 "
                  "sign-in: their account, its roles and its casework become theirs through "
                  "CIS2. Check the name, email address and organisations above first. Leave "
                  "empty to give them a new account.")
    organisation = forms.ModelChoiceField(
        label="Organisation", required=False, queryset=Organisation.objects.all(),
        help_text="Where they work in Pathways. NHS CIS2 must list its ODS code for them, or "
                  "they get no casework.")
    roles = forms.MultipleChoiceField(label="Roles", required=False,
                                      widget=forms.CheckboxSelectMultiple)
    decision_reason = forms.CharField(
        label="Reason", widget=forms.Textarea(attrs={"rows": 2}), max_length=1000,
        help_text="Why they need this access (or why not). Kept with the decision in the "
                  "audit log.")

    class Meta:
        model = AccessRequest
        fields = []

    def __init__(self, *args, acting=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["roles"].choices = [
            (r.value, r.label) for r in Role
            if r != Role.ADMINISTRATOR or (acting and acting.is_superuser)]
        codes = self.instance.ods_codes if self.instance.pk else []
        matches = Organisation.objects.filter(ods_code__in=codes)
        if len(matches) == 1:
            self.fields["organisation"].initial = matches[0].pk

    def clean(self):
        data = super().clean()
        if data.get("decision") == "approve" and not data.get("roles"):
            self.add_error("roles", "Choose at least one role for an approved person.")
        return data


@admin.register(AccessRequest)
class AccessRequestAdmin(SimpleHistoryAdmin):
    """People NHS CIS2 signed in whom Pathways did not know: approve (bind to an account and
    grant roles) or refuse, each with a reason and a Decision."""

    form = AccessRequestForm
    list_display = ("name", "email", "organisation_codes", "status", "requested_at",
                    "last_seen_at")
    list_filter = ("status",)
    search_fields = ("name", "email", "cis2_uid")
    readonly_fields = ("name", "email", "organisation_list", "cis2_uid", "status",
                       "requested_at", "last_seen_at", "user", "decided_by", "decided_at",
                       "reason")

    def get_fieldsets(self, request, obj=None):
        shown = ("name", "email", "organisation_list", "cis2_uid", "requested_at",
                 "last_seen_at", "status")
        if obj is not None and obj.status == AccessRequest.Status.PENDING:
            return ((None, {"fields": shown}), ("Decision", {"fields": (
                "decision", "account", "organisation", "roles", "decision_reason")}))
        return ((None, {"fields": (*shown, "user", "decided_by", "decided_at", "reason")}),)

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None or obj.status != AccessRequest.Status.PENDING:
            kwargs["fields"] = []
            return super().get_form(request, obj, change=change, **kwargs)
        form = super().get_form(request, obj, change=change, **kwargs)

        class BoundForm(form):
            def __init__(self, *args, **inner):
                super().__init__(*args, acting=request.user, **inner)

        return BoundForm

    @admin.display(description="ODS codes")
    def organisation_codes(self, obj):
        return ", ".join(obj.ods_codes) or "None"

    @admin.display(description="Organisations NHS CIS2 lists")
    def organisation_list(self, obj):
        return "; ".join(f"{org.get('name') or '(no name)'} ({org.get('ods_code')})"
                         for org in obj.organisations) or "None"

    def has_add_permission(self, request):
        return False        # requests come from NHS CIS2 sign-ins only

    def has_delete_permission(self, request, obj=None):
        return False        # a decided request is part of the audit trail

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser or request.user.has_role(Role.ADMINISTRATOR)

    def has_change_permission(self, request, obj=None):
        return self.has_view_permission(request, obj) and (
            obj is None or obj.status == AccessRequest.Status.PENDING)

    def has_module_permission(self, request):
        return self.has_view_permission(request)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        self._saved = False
        try:
            if data["decision"] == "approve":
                user = access_request_approve(
                    request=obj, by=request.user, reason=data["decision_reason"],
                    roles=data["roles"], organisation=data["organisation"],
                    user=data["account"])
                self.message_user(request, f"Approved: {obj.name or obj.cis2_uid} now signs in "
                                           f"as {user.username}.")
            else:
                access_request_refuse(request=obj, by=request.user,
                                      reason=data["decision_reason"])
                self.message_user(request, f"Refused: {obj.name or obj.cis2_uid}.")
        except DomainError as error:
            self.message_user(request, f"Nothing was saved: {error.message}", messages.ERROR)
            return
        self._saved = True

    def save_related(self, request, form, formsets, change):
        pass
