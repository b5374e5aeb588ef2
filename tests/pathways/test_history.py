"""The history every tracked model keeps (pathways.history): inside an import's batch a history
row goes in with the batch, the same row it would have been; a row of the file that is refused
takes its history and its grants with it; and `Model.history` is one manager class."""
import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from accounts.grants import grant
from pathways import batch
from referrals.models import Person, PersonUserObjectPermission
from tests.factories import make_person

pytestmark = pytest.mark.django_db


def rows_of(person):
    return list(person.history.order_by("history_date").values_list(
        "history_type", "history_user__username", "history_change_reason", "given_name"))


def test_a_batch_writes_the_history_rows_at_its_end_the_same_as_alone(users):
    alone = make_person(by=users["commissioner"], given_name="Ada")
    with transaction.atomic(), batch.batch():
        with CaptureQueriesContext(connection) as captured:
            batched = make_person(by=users["commissioner"], given_name="Ada")
        assert not any("historicalperson" in q["sql"] for q in captured)   # not yet
        assert not batched.history.exists()
    assert rows_of(batched) == rows_of(alone) == [
        ("+", "commissioner", rows_of(alone)[0][2], "Ada")]
    assert rows_of(alone)[0][2]                                           # a reason is kept


def test_a_batch_that_fails_writes_no_history(users):
    with pytest.raises(RuntimeError, match="boom"), transaction.atomic(), batch.batch():
        person = make_person(by=users["commissioner"])
        raise RuntimeError("boom")
    assert not Person.history.filter(id=person.pk).exists()


def test_a_refused_row_takes_its_history_and_grants_with_it_and_the_next_row_stands(users):
    with transaction.atomic(), batch.batch():
        kept = make_person(by=users["commissioner"], given_name="Kept")
        with pytest.raises(ValueError, match="refused"), batch.row():
            refused = make_person(by=users["commissioner"], given_name="Refused")
            grant("referrals.view_person", users["chair"], kept)
            raise ValueError("refused")
        with batch.row():
            after = make_person(by=users["commissioner"], given_name="After")
    assert not Person.objects.filter(pk=refused.pk).exists()
    assert not Person.history.filter(id=refused.pk).exists()     # no audit of what is not there
    assert not PersonUserObjectPermission.objects.filter(
        content_object=kept, user=users["chair"]).exists()
    assert [r[3] for r in rows_of(kept) + rows_of(after)] == ["Kept", "After"]


def test_a_row_outside_a_batch_is_a_savepoint():
    with transaction.atomic():
        with pytest.raises(ValueError), batch.row():
            raise ValueError
        assert not connection.needs_rollback        # the transaction goes on


def test_history_outside_a_batch_is_written_at_once(users):
    with transaction.atomic():
        person = make_person(by=users["commissioner"])
        assert person.history.count() == 1


def test_the_history_manager_class_is_made_once_a_model():
    person = Person()
    assert type(Person.history) is type(Person.history) is type(person.history)
    assert person.history.instance is person


def test_inside_a_batch_a_row_makes_one_savepoint_and_the_blocks_it_runs_none(users):
    with transaction.atomic(), batch.batch():
        with CaptureQueriesContext(connection) as captured, batch.row():
            make_person(by=users["commissioner"])              # person_create is atomic
        savepoints = [q["sql"] for q in captured if q["sql"].startswith("SAVEPOINT")]
        assert len(savepoints) == 1
        assert connection.features.uses_savepoints              # and back after the row
        with CaptureQueriesContext(connection) as alone:
            make_person(by=users["commissioner"])              # not in a row: its own
        assert any(q["sql"].startswith("SAVEPOINT") for q in alone)


def test_a_refusal_deep_in_a_row_undoes_the_whole_row_and_the_batch_goes_on(users):
    def refused_inside():
        with transaction.atomic():
            make_person(by=users["commissioner"], given_name="Deep")
            with transaction.atomic():
                raise ValueError("refused")

    with transaction.atomic(), batch.batch():
        with pytest.raises(ValueError), batch.row():
            refused_inside()
        with batch.row():
            make_person(by=users["commissioner"], given_name="Next")
    assert not Person.objects.filter(given_name="Deep").exists()
    assert not Person.history.filter(given_name="Deep").exists()
    assert Person.history.filter(given_name="Next").count() == 1


def test_a_row_that_catches_an_error_and_carries_on_is_refused_not_half_kept(users):
    with transaction.atomic(), batch.batch():
        with pytest.raises(RuntimeError, match="must raise"), batch.row():
            make_person(by=users["commissioner"], given_name="Half")
            try:
                with transaction.atomic():
                    raise ValueError("swallowed")
            except ValueError:
                pass
        with pytest.raises(RuntimeError, match="do not nest"), batch.row(), batch.row():
            pass
    assert not Person.objects.filter(given_name="Half").exists()
