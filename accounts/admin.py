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
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from simple_history.admin import SimpleHistoryAdmin

from audit.services import stamp
from pathways.errors import DomainError, NotAllowedError

from .models import Organisation, User
from .roles import Role
from .services import password_link_send, user_set_roles, user_update_account

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


@admin.register(User)
class UserAdmin(SimpleHistoryAdmin, BaseUserAdmin):
    list_display = ("username", "first_name", "last_name", "organisation", "is_active")
    list_filter = ("is_active", "groups", "organisation")
    form = add_form = AccountForm
    fieldsets = add_fieldsets = (
        (None, {"fields": ("username", "first_name", "last_name", "email")}),
        ("Work", {"fields": ("organisation", "job_title")}),
        ("Access", {"fields": ("is_active", "roles", "reason")}),
    )
    readonly_fields = ()
    actions = ["send_password_link"]

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
    list_display = ("name", "kind", "region")
    list_filter = ("kind", "region")
    search_fields = ("name",)
