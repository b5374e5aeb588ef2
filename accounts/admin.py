"""Administrators manage people's accounts and organisations here; casework is not in admin.

The account form holds no superuser, staff, group or permission fields (issue 10): roles are
granted through `user_set_roles`, each with a reason and a Decision, never to oneself, and the
Administrator role only by a superuser. An administrator never learns or sets another person's
password: a new account gets an emailed link to set its own, and so does a reset.
"""
from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import PasswordResetForm
from django.core.exceptions import PermissionDenied
from django.db import transaction
from simple_history.admin import SimpleHistoryAdmin

from audit.services import stamp
from pathways.errors import DomainError

from .models import Organisation, User
from .roles import Role
from .services import user_set_roles, user_update_account


class PasswordLinkForm(PasswordResetForm):
    """Django's reset form, for one named account, including one that has no password yet."""

    def __init__(self, user, *args, **kwargs):
        super().__init__({"email": user.email}, *args, **kwargs)
        self.user = user

    def get_users(self, email):
        return [self.user] if self.user.is_active and self.user.email else []


class AccountForm(forms.ModelForm):
    roles = forms.MultipleChoiceField(
        label="Roles", required=False, widget=forms.CheckboxSelectMultiple,
        help_text="What this person does in Pathways. Each role brings its own pages; the "
                  "people, reviews and cases they see still follow their relationships.")
    reason = forms.CharField(
        label="Reason for the change", required=False, widget=forms.Textarea(attrs={"rows": 2}),
        max_length=1000, help_text="Needed when roles, organisation or access change. It is "
                                   "kept with the change in the audit log.")

    class Meta:
        model = User
        fields = ["username", "first_name", "last_name", "email", "job_title", "organisation",
                  "is_active"]

    def __init__(self, *args, acting=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.acting = acting
        choices = [(r.value, r.label) for r in Role
                   if r != Role.ADMINISTRATOR or (acting and acting.is_superuser)]
        self.fields["roles"].choices = choices
        self.fields["email"].required = True
        if self.instance.pk:
            self.fields["roles"].initial = list(self.instance.groups.filter(
                name__in=Role.values).values_list("name", flat=True))
            if acting is not None and self.instance.pk == acting.pk:
                for name in ("roles", "organisation", "is_active"):
                    self.fields[name].disabled = True
                self.fields["roles"].help_text = "Another administrator changes your roles."

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
        changed = set(data.get("roles", [])) != current or (user.pk and (
            data.get("organisation") != user.organisation
            or data.get("is_active") != user.is_active))
        if changed and not (data.get("reason") or "").strip():
            self.add_error("reason", "Give the reason for changing this person's roles, "
                                     "organisation or access.")
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
                organisation, is_active = data["organisation"], data["is_active"]
                if change:
                    saved = User.objects.get(pk=obj.pk)
                    obj.organisation, obj.is_active = saved.organisation, saved.is_active
                    stamp(obj, by=request.user,
                          reason=data["reason"] or "Account details updated")
                    super().save_model(request, obj, form, change)
                    user_update_account(user=obj, by=request.user, reason=data["reason"],
                                        organisation=organisation, is_active=is_active)
                else:
                    obj.set_unusable_password()
                    obj.organisation = None
                    stamp(obj, by=request.user, reason=data["reason"] or "New account")
                    super().save_model(request, obj, form, change)
                    if organisation is not None or not is_active:
                        obj.is_active = True
                        user_update_account(user=obj, by=request.user, is_active=is_active,
                                            organisation=organisation,
                                            reason=data["reason"] or "New account")
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
        reset = PasswordLinkForm(user)
        if reset.is_valid():
            reset.save(request=request, use_https=request.is_secure(),
                       email_template_name="registration/password_set_email.txt",
                       subject_template_name="registration/password_set_subject.txt")
            self.message_user(request, f"A link to set a password was emailed to {user.email}.")

    @admin.action(description="Email a link to set a new password")
    def send_password_link(self, request, queryset):
        for user in queryset.filter(is_active=True, is_superuser=False):
            self._send_link(request, user)


@admin.register(Organisation)
class OrganisationAdmin(SimpleHistoryAdmin):
    list_display = ("name", "kind", "region")
    list_filter = ("kind", "region")
    search_fields = ("name",)
