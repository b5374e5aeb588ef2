"""Move object permissions on the five casework models from guardian's generic tables (a text
object_pk) to their direct tables (a real foreign key), and back on reverse.

Once a model has direct tables guardian reads only those, so every grant must move: a grant
left behind would silently stop working. Grants on objects that no longer exist are dropped.
"""
from django.db import migrations

MODELS = [
    ("referrals", "Person"),
    ("referrals", "Referral"),
    ("reviews", "Review"),
    ("reviews", "Action"),
    ("intervenors", "IntervenorCase"),
]
HOLDERS = [("User", "user_id"), ("Group", "group_id")]
BATCH = 2000


def _content_type(apps, app_label, model):
    ContentType = apps.get_model("contenttypes", "ContentType")
    return ContentType.objects.get_or_create(app_label=app_label, model=model.lower())[0]


def forward(apps, schema_editor):
    for app_label, model in MODELS:
        Model = apps.get_model(app_label, model)
        ctype = _content_type(apps, app_label, model)
        for holder, column in HOLDERS:
            Generic = apps.get_model("guardian", f"{holder}ObjectPermission")
            Direct = apps.get_model(app_label, f"{model}{holder}ObjectPermission")
            rows = Generic.objects.filter(content_type=ctype)
            existing = {str(pk) for pk in Model.objects.filter(
                pk__in=set(rows.values_list("object_pk", flat=True))).values_list("pk", flat=True)}
            Direct.objects.bulk_create(
                [Direct(**{column: getattr(row, column)}, permission_id=row.permission_id,
                        content_object_id=row.object_pk)
                 for row in rows.iterator() if row.object_pk in existing],
                batch_size=BATCH, ignore_conflicts=True)
            rows.delete()


def backward(apps, schema_editor):
    for app_label, model in MODELS:
        ctype = _content_type(apps, app_label, model)
        for holder, column in HOLDERS:
            Generic = apps.get_model("guardian", f"{holder}ObjectPermission")
            Direct = apps.get_model(app_label, f"{model}{holder}ObjectPermission")
            Generic.objects.bulk_create(
                [Generic(**{column: getattr(row, column)}, permission_id=row.permission_id,
                         content_type=ctype, object_pk=str(row.content_object_id))
                 for row in Direct.objects.iterator()],
                batch_size=BATCH, ignore_conflicts=True)
            Direct.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("workflows", "0005_audit_moved_to_audit_app"),
        ("guardian", "0003_remove_groupobjectpermission_guardian_gr_content_ae6aec_idx_and_more"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("referrals", "0002_direct_permissions_and_indexes"),
        ("reviews", "0004_direct_permissions_and_indexes"),
        ("intervenors", "0003_direct_permissions_and_indexes"),
    ]

    operations = [migrations.RunPython(forward, backward)]
