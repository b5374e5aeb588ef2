"""Round 4 (issue 40), findings 1 and 2: the import's check is no existence oracle, and large
files are checked by a worker, capped and throttled.

The probe uploaded files of NHS numbers and read which ones the check flagged as "recorded by
another organisation". Now a check answers alike for another organisation's person and for an
unused number; importing such a row is refused as the referral form refuses it: recorded as a
decision, the coordinators told, and limited per person and day."""
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from audit.models import Decision
from imports.models import ImportRun
from imports.services import (
    MAX_ROWS,
    UPLOADS_PER_HOUR,
    import_apply,
    import_check,
    imports_requeue,
)
from notifications.models import Notification
from pathways.errors import DomainError
from referrals.models import Person
from tests.factories import valid_nhs_number
from tests.imports.test_imports import as_csv, check, row
from workflows.refusals import ELSEWHERE_REFUSALS_PER_DAY

pytestmark = pytest.mark.django_db


def _masked(run: ImportRun) -> dict:
    """What the importer learns from a check, with the numbers it named taken out."""
    return {"rows": run.rows, "to_create": run.to_create, "present": run.present,
            "errors": run.errors, "notices": run.notices, "status": run.status}


def test_a_check_answers_alike_for_another_organisations_person_and_an_unused_number(users,
                                                                                     client_for):
    commissioner = users["commissioner"]
    elsewhere = Person.objects.exclude(commissioner=commissioner.organisation).first()
    theirs = check(commissioner, [row(nhs_number=elsewhere.nhs_number)])
    nobodys = check(commissioner, [row(nhs_number=valid_nhs_number())])
    assert _masked(theirs) == _masked(nobodys) == {
        "rows": 1, "to_create": 1, "present": 0, "errors": [], "notices": [],
        "status": "checked"}
    pages = [client_for("commissioner").get(f"/imports/{run.pk}/").content.decode()
             for run in (theirs, nobodys)]
    # Masked: the run's own id, the file's digest, when it was uploaded, the CSRF token.
    unmasked = [re.sub(r"/imports/[0-9a-f-]+/|[0-9a-f]{16}…|\d{1,2} \w+ \d{4}, \d\d:\d\d|"
                       r'name="csrfmiddlewaretoken" value="\w+"', "", page) for page in pages]
    assert unmasked[0] == unmasked[1]
    assert not Decision.objects.filter(kind=Decision.Kind.PERSON_ELSEWHERE_REFUSED).exists()


def test_importing_another_organisations_person_is_refused_recorded_and_told(users):
    commissioner = users["commissioner"]
    elsewhere = Person.objects.exclude(commissioner=commissioner.organisation).first()
    before = Person.objects.count()
    run = check(commissioner, [row(), row(nhs_number=elsewhere.nhs_number)])
    run = import_apply(run=run, by=commissioner)
    assert run.status == "failed" and Person.objects.count() == before   # all or nothing
    assert [(e["row"], e["column"]) for e in run.errors] == [(3, "nhs_number")]
    assert "recorded by another commissioning organisation" in run.errors[0]["message"]
    assert elsewhere.reference not in str(run.errors)
    decision = Decision.objects.get(kind=Decision.Kind.PERSON_ELSEWHERE_REFUSED)
    assert decision.actor == commissioner and decision.person == elsewhere
    assert decision.facts == {"via": f"import {run.pk}"}
    told = Notification.objects.get(kind=Notification.Kind.PERSON_ELSEWHERE)
    assert {n.user.username for n in told.notices.all()} == {"coordinator"}


def test_refusals_are_limited_per_person_whatever_the_number(users):
    commissioner = users["commissioner"]
    elsewhere = list(Person.objects.exclude(commissioner=commissioner.organisation))
    for person in (elsewhere * ELSEWHERE_REFUSALS_PER_DAY)[:ELSEWHERE_REFUSALS_PER_DAY]:
        import_apply(run=check(commissioner, [row(nhs_number=person.nhs_number)]),
                     by=commissioner)
    # Now any import is refused, an unused number's as another organisation's.
    for number in (valid_nhs_number(), elsewhere[0].nhs_number):
        with pytest.raises(DomainError, match="not taking"):
            import_apply(run=check(commissioner, [row(nhs_number=number)]), by=commissioner)
    assert Decision.objects.filter(kind=Decision.Kind.PERSON_ELSEWHERE_REFUSED).count() == \
        ELSEWHERE_REFUSALS_PER_DAY


def test_the_referral_form_records_its_refusal_and_shares_the_limit(users):
    from pathways.errors import ConflictError
    from workflows.services import referral_raise_for

    commissioner = users["commissioner2"]
    elsewhere = Person.objects.exclude(commissioner=commissioner.organisation).first()
    details = {"date_of_birth": elsewhere.date_of_birth, "condition": "autism",
               "current_unit": elsewhere.current_unit, "lts_start_date": timezone.localdate(),
               "requested_route": "review", "reason": "Stuck."}
    for _ in range(ELSEWHERE_REFUSALS_PER_DAY):
        with pytest.raises(ConflictError) as refused:
            referral_raise_for(user=commissioner, nhs_number=elsewhere.nhs_number, **details)
        assert refused.value.code == "person_elsewhere"
    with pytest.raises(ConflictError) as limited:
        referral_raise_for(user=commissioner, nhs_number=valid_nhs_number(), **details)
    assert limited.value.code == "person_elsewhere_limit"


def test_the_bulk_check_holds_the_rules_the_import_holds(users):
    """The check writes nothing, so it must find what the services would refuse: a wrong
    check digit, an LTS start in the future or before the admission, a route unknown."""
    coordinator = users["coordinator"]
    good = valid_nhs_number()
    wrong_digit = good[:9] + str((int(good[9]) + 1) % 10)
    run = check(coordinator, [row(nhs_number=wrong_digit),
                              row(lts_start_date="2099-01-01"),
                              row(admission_date="2024-02-01", lts_start_date="2024-01-15")])
    assert [(e["row"], e["column"]) for e in run.errors] == [
        (2, "nhs_number"), (3, "lts_start_date"), (4, "lts_start_date")]
    assert "check digit" in run.errors[0]["message"]


# Finding 2: the check ran in the web request ------------------------------------------------

def test_a_2000_row_check_does_not_run_in_the_request(users, django_capture_on_commit_callbacks):
    coordinator = users["coordinator"]
    content = as_csv([row() for _ in range(2000)])
    with django_capture_on_commit_callbacks(execute=False) as queued:
        run = import_check(kind="people", file_name="big.csv", content=content, by=coordinator)
    assert run.status == "checking" and run.rows == 0 and len(queued) == 1
    queued[0]()       # the worker's turn (eager here)
    run.refresh_from_db()
    assert run.status == "checked" and run.rows == 2000 and run.to_create == 2000


def test_the_run_page_shows_the_check_under_way(users, client_for):
    coordinator = users["coordinator"]
    run = ImportRun.objects.create(kind="people", file_name="big.csv", sha256="0" * 64,
                                   content=b"", created_by=coordinator, status="checking",
                                   queued_at=timezone.now())
    page = client_for("coordinator").get(f"/imports/{run.pk}/").content.decode()
    assert "being checked" in page and 'http-equiv="refresh"' in page


def test_a_file_over_the_row_cap_is_refused_whole(users):
    content = ("\n".join([",".join(row().keys())] + ["x"] * (MAX_ROWS + 1))).encode()
    run = import_check(kind="people", file_name="huge.csv", content=content,
                       by=users["coordinator"])
    run.refresh_from_db()
    assert run.status == "checked" and run.to_create == 0
    assert run.errors == [{"row": 0, "column": "", "message": (
        f"The file has {MAX_ROWS + 1:,} rows; Pathways imports at most {MAX_ROWS:,} at a "
        "time. Split it into smaller files.")}]


def test_uploads_are_limited_per_person_and_hour(users, client_for):
    coordinator = users["coordinator"]
    for _ in range(UPLOADS_PER_HOUR):
        check(coordinator, [row()])
    with pytest.raises(DomainError, match="in the last hour"):
        check(coordinator, [row()])
    check(users["commissioner"], [row()])                  # someone else is not limited
    ImportRun.objects.filter(created_by=coordinator).update(
        created_at=timezone.now() - timedelta(hours=2))
    check(coordinator, [row()])                            # the hour has passed


def test_a_check_or_import_whose_queueing_was_lost_is_queued_again(
        users, monkeypatch):
    coordinator = users["coordinator"]
    sent = []
    monkeypatch.setattr("imports.services.check_in_background.delay", sent.append)
    run = ImportRun.objects.create(kind="people", file_name="big.csv", sha256="0" * 64,
                                   content=as_csv([row()]), created_by=coordinator,
                                   status="checking", queued_at=timezone.now())
    assert imports_requeue() == 0
    assert imports_requeue(now=timezone.now() + timedelta(seconds=31)) == 1
    assert sent == [str(run.pk)]
