"""Taking a step on ("I'm on it"), letting it go and handing it over: one person at a time."""
import threading

import pytest
from django.contrib.auth.models import Group
from django.db import close_old_connections
from django.urls import reverse

from accounts.models import User
from accounts.roles import Role
from audit.models import Decision
from oversight.services import thresholds
from pathways.errors import ConflictError, DomainError
from referrals.models import Referral
from tests.demo_state import demo_loaded
from workflows import claims
from workflows import services as flow
from workflows.inbox import Inbox


def second_coordinator():
    user, _ = User.objects.get_or_create(username="coordinator2", defaults={
        "first_name": "Dana", "last_name": "Reid", "email": "coordinator2@example.nhs.uk"})
    user.groups.add(Group.objects.get(name=Role.COORDINATOR))
    return User.objects.get(pk=user.pk)     # fresh permission cache


@pytest.mark.django_db
def test_only_the_person_who_took_it_on_can_triage_until_they_let_go(users):
    coordinator, other = users["coordinator"], second_coordinator()
    referral = Referral.objects.filter(status="submitted").first()
    claims.task_take(subject=referral, kind="referral", by=coordinator)
    assert claims.holder(referral, "referral") == coordinator
    assert Decision.objects.filter(kind="task_taken", subject_id=str(referral.pk)).exists()

    with pytest.raises(ConflictError) as taken:
        claims.task_take(subject=referral, kind="referral", by=other)
    assert taken.value.code == "step_taken" and str(coordinator) in taken.value.message
    with pytest.raises(ConflictError) as refused:
        flow.referral_triage(referral=referral, by=other, route="review", reason="Mine now")
    assert refused.value.code == "step_taken"
    assert Referral.objects.get(pk=referral.pk).status == "submitted"

    with pytest.raises(DomainError):
        claims.task_release(subject=referral, kind="referral", by=coordinator, reason="")
    claims.task_release(subject=referral, kind="referral", by=coordinator, to=other,
                        reason="Going on leave")
    assert claims.holder(referral, "referral") == other
    handed = Decision.objects.get(kind="task_released", subject_id=str(referral.pk))
    assert handed.facts == {"from": str(coordinator), "to": str(other)}
    item = next(i for i in Inbox(coordinator, thresholds()) if i.reference == referral.person.reference)
    assert item.taken_by == str(other)
    flow.referral_triage(referral=referral, by=other, route="review", reason="Accepted")
    assert Referral.objects.get(pk=referral.pk).status == "accepted"
    with pytest.raises(ConflictError):
        claims.task_take(subject=referral, kind="referral", by=coordinator)


@pytest.mark.django_db
def test_a_chair_cannot_take_triage_and_hand_over_needs_a_coordinator(users):
    referral = Referral.objects.filter(status="submitted").first()
    with pytest.raises(DomainError):
        claims.task_take(subject=referral, kind="referral", by=users["chair"])
    claims.task_take(subject=referral, kind="referral", by=users["coordinator"])
    with pytest.raises(DomainError):
        claims.task_release(subject=referral, kind="referral", by=users["coordinator"],
                            to=users["chair"], reason="Not allowed")
    assert claims.holder(referral, "referral") == users["coordinator"]


@pytest.mark.django_db
def test_taking_on_from_the_triage_page(client_for, users):
    referral = Referral.objects.filter(status="submitted").first()
    page = client_for("coordinator")
    url = reverse("referrals:triage", args=[referral.pk])
    assert "Nobody has taken this on yet." in page.get(url).content.decode()
    page.post(reverse("workflows:task_take", args=["referral", referral.pk]))
    assert "You have taken this on" in page.get(url).content.decode()
    response = page.post(reverse("workflows:task_release", args=["referral", referral.pk]),
                         {"reason": ""}, follow=True)
    assert "Say why" in response.content.decode()
    assert claims.holder(referral, "referral") == users["coordinator"]
    assert page.post(reverse("workflows:task_take", args=["nothing", referral.pk])
                     ).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_two_coordinators_taking_the_same_step_at_once_one_wins(postgres, users):

    demo_loaded()
    first, second = User.objects.get(username="coordinator"), second_coordinator()
    referral = Referral.objects.filter(status="submitted").first()
    barrier, results = threading.Barrier(2), []

    def take(user):
        try:
            barrier.wait()
            claims.task_take(subject=Referral.objects.get(pk=referral.pk), kind="referral",
                             by=user)
            results.append(("won", user.username))
        except ConflictError:
            results.append(("lost", user.username))
        finally:
            close_old_connections()

    threads = [threading.Thread(target=take, args=(u,)) for u in (first, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r[0] for r in results) == ["lost", "won"]
    winner = next(name for outcome, name in results if outcome == "won")
    assert claims.holder(referral, "referral").username == winner
    assert Decision.objects.filter(kind="task_taken", subject_id=str(referral.pk)).count() == 1
