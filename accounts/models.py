"""People who use Pathways and the organisations they work for."""
import uuid

from django.contrib.auth.models import AbstractUser, Group
from django.db import models
from django.db.models import CharField, Value
from simple_history.models import HistoricalRecords


class Region(models.TextChoices):
    """NHS England's seven regions."""

    EAST = "east", "East of England"
    LONDON = "london", "London"
    MIDLANDS = "midlands", "Midlands"
    NORTH_EAST_YORKSHIRE = "ne_yorks", "North East and Yorkshire"
    NORTH_WEST = "north_west", "North West"
    SOUTH_EAST = "south_east", "South East"
    SOUTH_WEST = "south_west", "South West"


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
        self._role_names = roles
        if not self.is_superuser:
            self._perm_cache = perms

    def has_role(self, role) -> bool:
        return str(role) in self.role_names

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
