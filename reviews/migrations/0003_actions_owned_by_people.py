"""Actions were owned by whole organisations; now each is owned by one named person (issue 10).

For each existing action, the owner is the one active member of the owner organisation whose
full name matches the recorded owner's name; the grants the owner organisation's members group
held on actions are removed (the referring organisation keeps read access, as to the review). An action with no such match keeps no owner: nobody can move it until
a coordinator names one (action page, "Change the owner"), and its reminders go to the
coordinators meanwhile.
"""
from django.db import migrations


def _content_type(apps, app_label, model):
    content_type = apps.get_model("contenttypes", "ContentType")
    return content_type.objects.filter(app_label=app_label, model=model).first()


def forward(apps, schema_editor):
    Action = apps.get_model("reviews", "Action")
    User = apps.get_model("accounts", "User")
    Permission = apps.get_model("auth", "Permission")
    GroupObjectPermission = apps.get_model("guardian", "GroupObjectPermission")
    UserObjectPermission = apps.get_model("guardian", "UserObjectPermission")
    action_type = _content_type(apps, "reviews", "action")
    if action_type is None:      # a new database: no actions and no grants yet
        return
    perms = {p.codename: p for p in Permission.objects.filter(
        content_type=action_type, codename__in=["view_action", "change_action"])}
    Review = apps.get_model("reviews", "Review")
    Organisation = apps.get_model("accounts", "Organisation")
    GroupObjectPermission.objects.filter(content_type=action_type,
                                         permission__in=perms.values()).delete()
    for action in Action.objects.all():
        referrer = Organisation.objects.get(
            pk=Review.objects.get(pk=action.review_id).referral.organisation_id)
        if referrer.commissioners_group_id:
            GroupObjectPermission.objects.get_or_create(
                group_id=referrer.commissioners_group_id, permission=perms["view_action"],
                content_type=action_type, object_pk=str(action.pk))
    for action in Action.objects.filter(owner__isnull=True):
        matches = [u for u in User.objects.filter(organisation_id=action.owner_organisation_id,
                                                  is_active=True)
                   if f"{u.first_name} {u.last_name}".strip().lower()
                   == action.owner_name.strip().lower()]
        if len(matches) != 1:
            continue
        owner = matches[0]
        # A queryset update writes no history row; this is a schema change, recorded by the
        # migration itself, and the history trigger forbids rewriting past rows anyway.
        Action.objects.filter(pk=action.pk).update(owner=owner)
        for perm in perms.values():
            UserObjectPermission.objects.get_or_create(
                user=owner, permission=perm, content_type=action_type, object_pk=str(action.pk))


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0002_action_named_owner"),
        ("guardian", "0002_generic_permissions_index"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("accounts", "0003_commissioners_group"),
    ]
    operations = [migrations.RunPython(forward, migrations.RunPython.noop, elidable=True)]
