"""The roles of Pathways and the model permissions (verbs) each one holds.

Object permissions (which people, reviews and cases) are granted by services through
django-guardian; this module gives roles their verbs only. Model-wide *view* permissions on
casework are held on purpose by the coordinator and oversight roles alone (SECURITY.md S3).
"""
from django.db import models


class Role(models.TextChoices):
    COMMISSIONER = "Commissioner"
    COORDINATOR = "Review coordinator"
    CHAIR = "Review chair"
    PANEL_MEMBER = "Panel member"
    INTERVENOR = "Senior intervenor"
    OVERSIGHT = "Oversight group"
    ACTION_OWNER = "Action owner"
    ADMINISTRATOR = "Administrator"


CASEWORK_READ = [
    "referrals.view_person",
    "referrals.view_referral",
    "referrals.view_concern",
    "referrals.view_ltsepisode",
    "reviews.view_review",
    "reviews.view_action",
    "intervenors.view_intervenorcase",
    "intervenors.view_intervenor",
]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.COMMISSIONER: ["referrals.add_referral", "referrals.add_concern",
                        "referrals.change_ltsepisode"],
    Role.COORDINATOR: CASEWORK_READ
    + [
        "referrals.triage_referral",
        "referrals.add_concern",
        "referrals.change_ltsepisode",
        "reviews.schedule_review",
        "reviews.assign_owner_action",
        "intervenors.assign_intervenorcase",
        "intervenors.confirm_closure_intervenorcase",
        "audit.view_decision",
    ],
    Role.CHAIR: [],
    Role.PANEL_MEMBER: [],
    # Intervenors record concerns heard from the person, family, advocate or care team, for the
    # people on their own caseload (the person's page is reached only through their case).
    Role.INTERVENOR: ["referrals.add_concern"],
    # Someone outside the programme teams (a ward manager, a local authority lead) who owns
    # actions from reviews: they see and update only the actions named to them.
    Role.ACTION_OWNER: [],
    Role.OVERSIGHT: CASEWORK_READ
    + [
        "reviews.verify_action",
        "reviews.respond_escalation_action",
        "reviews.add_learningnote",
        "audit.view_decision",
        "audit.view_accesslogentry",
        "referrals.view_protected_characteristics",
    ],
    Role.ADMINISTRATOR: [
        "accounts.view_user",
        "accounts.add_user",
        "accounts.change_user",
        "accounts.view_organisation",
        "accounts.add_organisation",
        "accounts.change_organisation",
        "referrals.view_unit",
        "referrals.add_unit",
        "referrals.change_unit",
        "referrals.view_cqcrating",
        "referrals.add_cqcrating",
        "referrals.view_prioritypolicy",
        "referrals.add_prioritypolicy",
        "reviews.view_barrierdomain",
        "reviews.add_barrierdomain",
        "reviews.change_barrierdomain",
        "audit.view_retentionpolicy",
        "audit.add_retentionpolicy",
        "workflows.view_steptarget",
        "workflows.change_steptarget",
        "referrals.view_ltsagelimits",
        "referrals.change_ltsagelimits",
    ],
}


# Who may be named as an action's owner. Not the coordinator or the oversight group: the people
# who follow actions up and verify them do not own them.
ACTION_OWNER_ROLES = (Role.COMMISSIONER, Role.INTERVENOR, Role.ACTION_OWNER)


def sync_role_permissions(sender=None, **kwargs):
    """Make each role group hold exactly the permissions declared above (idempotent)."""
    from django.contrib.auth.models import Group, Permission

    for role, perms in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        wanted = []
        for dotted in perms:
            app_label, codename = dotted.split(".")
            perm = Permission.objects.filter(
                content_type__app_label=app_label, codename=codename
            ).first()
            if perm is not None:  # an app not migrated yet; the next post_migrate adds it
                wanted.append(perm)
        group.permissions.set(wanted)
