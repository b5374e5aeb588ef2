"""People who use Pathways and the organisations they work for."""
import uuid

from django.contrib.auth.models import AbstractUser, Group
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import CharField, Value
from django.utils.crypto import salted_hmac

from pathways.history import HistoricalRecords


class Region(models.TextChoices):
    """NHS England's seven regions."""

    EAST = "east", "East of England"
    LONDON = "london", "London"
    MIDLANDS = "midlands", "Midlands"
    NORTH_EAST_YORKSHIRE = "ne_yorks", "North East and Yorkshire"
    NORTH_WEST = "north_west", "North West"
    SOUTH_EAST = "south_east", "South East"
    SOUTH_WEST = "south_west", "South West"


# Organisation Data Service codes: three to ten capital letters and digits (an ICB "QWE", a
# trust "RXA", a site "RXA01", NHS England "X24"). https://digital.nhs.uk/services/organisation-data-service
ods_code_validator = RegexValidator(
    r"^[A-Z0-9]{3,10}$", "An ODS code is 3 to 10 capital letters and digits, like QWE or RXA01.")


class Organisation(models.Model):
    class Kind(models.TextChoices):
        ICB = "icb", "Integrated care board"
        NHSE_REGION = "nhse_region", "NHS England region"
        LOCAL_AUTHORITY = "local_authority", "Local authority"
        PROVIDER = "provider", "Provider"
        CQC = "cqc", "Care Quality Commission"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    region = models.CharField(max_length=20, choices=Region.choices, blank=True)
    # Its Organisation Data Service code: how NHS CIS2 names the organisations a person works
    # for, so how a signed-in person's organisation is confirmed (accounts.identity).
    ods_code = models.CharField(
        "ODS code", max_length=10, unique=True, null=True, blank=True,
        validators=[ods_code_validator],
        help_text="The Organisation Data Service code, as NHS CIS2 names it (for example QWE).")
    # What the organisation's commissioners may read about the people it referred is granted
    # to this group; only users holding the Commissioner role in the organisation are in it
    # (accounts.services.sync_commissioning_access), so gaining or losing the role or moving
    # organisation changes access in one place.
    commissioners_group = models.OneToOneField(
        Group, on_delete=models.PROTECT, null=True, blank=True, editable=False,
        related_name="commissioning_organisation"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class User(AbstractUser):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="members"
    )
    job_title = models.CharField(max_length=120, blank=True)
    # Who last set the email address, when an administrator did (a set-password link is never
    # sent by that same administrator: accounts.services.password_link_send).
    email_set_by = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, editable=False,
        related_name="+")
    email_set_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Who NHS CIS2 says this is: the subject (user id) of their CIS2 identity. An account is
    # bound to it when an administrator approves the person's access request, never matched
    # by email address (accounts.identity).
    cis2_uid = models.CharField("NHS CIS2 user id", max_length=64, unique=True, null=True,
                                blank=True, editable=False)
    # The ODS codes of the organisations CIS2 listed for them at their last sign-in.
    # (Nullable, with no database default needed, so rows written by older code still save.)
    cis2_ods_codes = models.JSONField(null=True, blank=True, editable=False)
    cis2_signed_in_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Set while CIS2 does not list their Pathways organisation: they keep no casework access
    # (a person who moved jobs must not keep reading their old organisation's people).
    organisation_unconfirmed_since = models.DateTimeField(null=True, blank=True, editable=False)
    # Raised to end every session of the person at once (back-channel logout): it is part of
    # the hash each session carries, so the sessions signed before it no longer match.
    sessions_generation = models.PositiveIntegerField(default=0, db_default=0, editable=False)
    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    class Meta:
        ordering = ["username"]

    def __str__(self):
        return self.get_full_name() or self.username

    @property
    def role_names(self) -> set[str]:
        if not hasattr(self, "_role_names"):
            self.load_access()
        return self._role_names

    def load_access(self) -> None:
        """Read the user's role names (their groups) and, unless they are a superuser, their
        permission names (their own and their groups') in one query, where Django reads them in
        three; kept on this object for the request, as Django keeps its permission cache
        (`_perm_cache`, which accounts.backends.PasswordBackend reads)."""
        from django.contrib.auth.models import Permission

        def labelled(kind, queryset, *fields):
            return queryset.order_by().values_list(Value(kind, output_field=CharField()), *fields)

        rows = labelled("role", Group.objects.filter(user=self),
                        Value("", output_field=CharField()), "name")
        if not self.is_superuser:
            rows = rows.union(
                labelled("perm", Permission.objects.filter(user=self),
                         "content_type__app_label", "codename"),
                labelled("perm", Permission.objects.filter(group__user=self),
                         "content_type__app_label", "codename"), all=True)
        roles, perms = set(), set()
        for kind, app_label, name in rows:
            if kind == "role":
                roles.add(name)
            else:
                perms.add(f"{app_label}.{name}")
        if self.casework_withheld:
            from .roles import ROLE_PERMISSIONS, Role

            roles &= {Role.ADMINISTRATOR.value}
            perms &= set(ROLE_PERMISSIONS[Role.ADMINISTRATOR]) if roles else set()
        self._role_names = roles
        if not self.is_superuser:
            self._perm_cache = perms

    def has_role(self, role) -> bool:
        return str(role) in self.role_names

    @property
    def casework_withheld(self) -> bool:
        """Signed in through CIS2 with an organisation CIS2 does not confirm: only the
        Administrator role (no casework) still counts."""
        return self.organisation_unconfirmed_since is not None

    def _get_session_auth_hash(self, secret=None):
        # Django's own hash (from the password) with the sessions generation in it: raising the
        # generation ends every session the person holds, on any session store
        # (accounts.identity.sessions_end). Django calls this for the current and fallback keys.
        key_salt = "accounts.User.get_session_auth_hash"
        return salted_hmac(key_salt, f"{self.password}:{self.sessions_generation}",
                           secret=secret, algorithm="sha256").hexdigest()

    # Every change of credential ends every API token (security round 3, finding 6): a new
    # password, or none, is a new start; a token issued under the old one must not outlive it.
    def set_password(self, raw_password):
        super().set_password(raw_password)
        self._credentials_changed = True

    def set_unusable_password(self):
        super().set_unusable_password()
        self._credentials_changed = True

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        if getattr(self, "_credentials_changed", False):
            self._credentials_changed = False
            tokens_end(self)


def tokens_end(user) -> int:
    """End every API token of the user; how many there were."""
    from rest_framework.authtoken.models import Token

    deleted, _ = Token.objects.filter(user=user).delete()
    return deleted


class AccessRequest(models.Model):
    """Someone NHS CIS2 signed in whom Pathways does not know yet. It gives no access: an
    administrator approves it by binding the identity to an account and granting roles (each a
    Decision), or refuses it."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for approval"
        APPROVED = "approved", "Approved"
        REFUSED = "refused", "Refused"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    cis2_uid = models.CharField("NHS CIS2 user id", max_length=64, unique=True)
    name = models.CharField(max_length=200, blank=True)
    email = models.EmailField(blank=True)
    # The organisations CIS2 listed for them, as [{"ods_code": ..., "name": ...}].
    organisations = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    requested_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    user = models.OneToOneField(User, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="access_request")
    decided_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-requested_at"]

    def __str__(self):
        return f"{self.name or self.cis2_uid} ({self.get_status_display().lower()})"

    @property
    def ods_codes(self) -> list[str]:
        return [org.get("ods_code", "") for org in self.organisations]
