"""Object permissions live in direct foreign-key tables; the migration moves every grant."""
import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from guardian.models import GroupObjectPermission, UserObjectPermission
from guardian.shortcuts import get_objects_for_user

from accounts.models import User
from referrals.models import Person, PersonGroupObjectPermission, PersonUserObjectPermission
from reviews.models import Action
from tests.demo_state import demo_loaded
from workflows import grants

BEFORE = [("workflows", "0005_audit_moved_to_audit_app"),
          ("referrals", "0001_initial"), ("reviews", "0003_actions_owned_by_people"),
          ("intervenors", "0002_capacity_trigger")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db
def test_services_write_grants_to_the_direct_tables_only():
    assert PersonGroupObjectPermission.objects.exists()
    assert PersonUserObjectPermission.objects.exists()
    assert not UserObjectPermission.objects.exists()
    assert not GroupObjectPermission.objects.exists()
    assert grants.drift() == (set(), set())


@pytest.mark.django_db
def test_a_stray_generic_grant_is_drift_and_mending_removes_it(users):
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType

    person = Person.objects.first()
    UserObjectPermission.objects.create(
        user=users["expert"], permission=Permission.objects.get(codename="view_person"),
        content_type=ContentType.objects.get_for_model(Person), object_pk=str(person.pk))
    missing, extra = grants.drift()
    assert not missing and [g.object_pk for g in extra] == [f"generic:{person.pk}"]
    grants.mend(missing, extra)
    assert grants.drift() == (set(), set())


@pytest.mark.django_db(transaction=True)
def test_the_migration_moves_every_grant_and_drops_dangling_ones():
    """Slow (over 20 s): it migrates the database back to before the move and forward again."""
    from django.core.management import call_command

    demo_loaded()
    # Actions agreed on cases came later than the schema this goes back to (reviews 0015).
    Action.objects.filter(case__isnull=False).delete()
    before = grants.actual()
    assert before and not any(g.object_pk.startswith("generic:") for g in before)
    commissioner = User.objects.get(username="commissioner")
    visible = set(get_objects_for_user(commissioner, "referrals.view_person", Person,
                                       accept_global_perms=False).values_list("pk", flat=True))
    try:
        old = _migrate(BEFORE)
        # Back on the generic tables: every grant is there, keyed by text.
        OldUserPerm = old.get_model("guardian", "UserObjectPermission")
        OldGroupPerm = old.get_model("guardian", "GroupObjectPermission")
        assert OldUserPerm.objects.count() + OldGroupPerm.objects.count() == len(before)
        ctype = old.get_model("contenttypes", "ContentType").objects.get(
            app_label="referrals", model="person")
        OldUserPerm.objects.create(   # a grant on a record that no longer exists
            user_id=commissioner.pk, content_type=ctype,
            permission=old.get_model("auth", "Permission").objects.get(codename="view_person"),
            object_pk="00000000-0000-4000-8000-000000000000")
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    assert grants.actual() == before
    assert set(get_objects_for_user(commissioner, "referrals.view_person", Person,
                                    accept_global_perms=False).values_list("pk", flat=True)) \
        == visible
    call_command("seed_demo", force=True, verbosity=0, history=False)
