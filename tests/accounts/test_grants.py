"""Granting object permissions (accounts.grants) and the import's batch (pathways.batch): a
grant is one statement, a second grant of the same is passed over, a permission of another
model is refused, and a batch writes its grants only when its block ends without an error."""
import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from accounts.grants import grant
from pathways import batch
from referrals.models import Person, PersonGroupObjectPermission, PersonUserObjectPermission
from tests.factories import make_person

pytestmark = pytest.mark.django_db


def grants_on(person):
    return (PersonUserObjectPermission.objects.filter(content_object=person).count()
            + PersonGroupObjectPermission.objects.filter(content_object=person).count())


def test_a_grant_lets_the_holder_see_the_object_and_a_second_is_passed_over(users):
    person = make_person(by=users["commissioner"])
    someone = users["intervenor2"]
    assert not someone.has_perm("referrals.view_person", person)
    before = grants_on(person)
    grant("referrals.view_person", someone, person)
    grant("referrals.view_person", someone, person)
    assert grants_on(person) == before + 1
    assert someone.has_perm("referrals.view_person", person)   # guardian reads what we wrote


def test_a_grant_costs_two_statements_and_one_inside_a_batch(users):
    person = make_person(by=users["commissioner"])
    with CaptureQueriesContext(connection) as alone:
        grant("referrals.view_person", users["intervenor2"], person)
    assert len(alone) == 2                       # the permission's id, the insert
    with transaction.atomic(), batch.batch():
        grant("referrals.view_person", users["intervenor"], person)
        with CaptureQueriesContext(connection) as batched:
            grant("referrals.view_person", users["chair"], person)
    assert len(batched) == 0                    # the id is known; the row waits for the end


def test_a_permission_of_another_model_or_an_unsaved_object_is_refused(users):
    person = make_person(by=users["commissioner"])
    with pytest.raises(ValueError, match="not a permission of Person"):
        grant("reviews.view_review", users["chair"], person)
    with pytest.raises(ValueError, match="must be saved"):
        grant("referrals.view_person", users["chair"], Person())


def test_a_batch_writes_its_grants_at_the_end_and_none_after_an_error(users):
    person = make_person(by=users["commissioner"])
    before = grants_on(person)
    with transaction.atomic(), batch.batch():
        grant("referrals.view_person", users["chair"], person)
        grant("referrals.view_person", users["chair"], person)      # a duplicate
        assert grants_on(person) == before
    assert grants_on(person) == before + 1

    with pytest.raises(RuntimeError, match="boom"), transaction.atomic(), batch.batch():
        grant("referrals.view_person", users["intervenor2"], person)
        raise RuntimeError("boom")
    assert grants_on(person) == before + 1
    assert not users["intervenor2"].has_perm("referrals.view_person", person)


def test_a_batch_runs_only_inside_a_transaction_and_reads_once(monkeypatch):
    with monkeypatch.context() as outside:      # as if in autocommit, outside any transaction
        outside.setattr(connection, "in_atomic_block", False)
        with pytest.raises(RuntimeError, match="inside a transaction"), batch.batch():
            pass
    reads = []

    def read():
        reads.append(1)
        return len(reads)

    assert batch.once("k", read) == 1 and batch.once("k", read) == 2    # no batch: each time
    with transaction.atomic(), batch.batch():
        assert batch.once("k", read) == 3 and batch.once("k", read) == 3
        with batch.batch():                                            # nested: the same one
            assert batch.once("k", read) == 3
    assert batch.once("k", read) == 4
