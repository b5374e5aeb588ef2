"""Every write to people, units, concerns, referrals and the priority policy.

Each function is one transaction, records who made the change and why (simple-history change
reason, and a Decision for human choices), and keeps object permissions in step.
"""
from __future__ import annotations

from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from accounts.grants import grant
from accounts.roles import Role
from accounts.services import commissioners_group
from audit.models import Decision
from audit.services import decision_record, stamp
from pathways import batch
from pathways.errors import ConflictError, DomainError, NotAllowedError

from . import priority
from .models import (
    Concern,
    CqcRating,
    Discharge,
    LtsEpisode,
    Person,
    PriorityPolicy,
    ProtectedCharacteristics,
    Referral,
    Route,
    Unit,
)
from .selectors import person_facts
from .validation import (
    validate_date_of_birth,
    validate_lts_dates,
    validate_nhs_number,
    validate_referral,
)


class DuplicateReferralError(ConflictError):
    code = "open_referral_exists"

    def __init__(self, existing: Referral):
        super().__init__(
            f"{existing.person.reference} already has an open referral "
            f"(raised {existing.raised_at:%d %b %Y}, {existing.get_status_display().lower()}). "
            "Add new concerns to that referral instead of raising another.",
            field="nhs_number",
        )
        self.existing = existing


def _reference() -> str:
    """A random reference: 32 letters and digits (none that look alike) in six places, about
    a billion in all."""
    import secrets

    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "PW-" + "".join(secrets.choice(alphabet) for _ in range(6))


def person_grant_organisation(person: Person) -> None:
    """The responsible commissioner's organisation may see the person."""
    grant("referrals.view_person", commissioners_group(person.commissioner), person)


@transaction.atomic
def person_create(*, by, nhs_number: str, date_of_birth: date, condition: str, commissioner,
                  current_unit: Unit | None = None, given_name: str = "", family_name: str = "",
                  legal_status: str = "", characteristics: dict | None = None,
                  source: str = "") -> Person:
    """Record a person. `source` says where the record came from (an import), in its history."""
    nhs_number = validate_nhs_number(nhs_number)
    validate_date_of_birth(date_of_birth)
    # One read answers both questions: is this NHS number recorded already, and which of a few
    # fresh references are free? (Should all four be taken, it draws four more.)
    reference = None
    while reference is None:
        candidates = {_reference() for _ in range(4)}
        taken = set(Person.objects.filter(Q(nhs_number=nhs_number) | Q(reference__in=candidates))
                    .values_list("nhs_number", "reference"))
        if any(number == nhs_number for number, _ in taken):
            raise ConflictError("A person with this NHS number is already recorded.",
                                code="duplicate_person", field="nhs_number")
        reference = min(candidates - {taken_reference for _, taken_reference in taken},
                        default=None)
    person = stamp(Person(
        reference=reference, nhs_number=nhs_number, date_of_birth=date_of_birth,
        condition=condition, commissioner=commissioner, current_unit=current_unit,
        given_name=given_name, family_name=family_name, legal_status=legal_status,
    ), by=by, reason=f"Person recorded by {by}" + (f" ({source})" if source else ""))
    person.save()
    ProtectedCharacteristics.objects.create(person=person, **(characteristics or {}))
    person_grant_organisation(person)
    return person


@transaction.atomic
def lts_episode_start(*, person: Person, unit: Unit, start_date: date, by,
                      admitted_on: date | None = None, first: bool = False) -> LtsEpisode:
    """Record that the person is in LTS in `unit` since `start_date` (ending any other episode).
    The start cannot be before the unit opened, or before the admission when that is known.
    `first` says the person was recorded in this transaction, so has no episode to end."""
    validate_lts_dates(start_date=start_date, date_of_birth=person.date_of_birth, unit=unit,
                       admitted_on=admitted_on)
    current = None if first else person.lts_episodes.filter(end_date__isnull=True).first()
    if current is not None:
        if current.unit_id == unit.pk and current.start_date == start_date:
            return current
        if start_date < current.start_date:
            raise DomainError(
                f"The current LTS episode started on {current.start_date:%d %b %Y}; a new one "
                "cannot start before it.", field="lts_start_date")
        current.end_date = start_date
        current.end_reason = LtsEpisode.EndReason.TRANSFERRED
        stamp(current, by=by, reason=f"Ended by a new LTS episode recorded by {by}").save()
    episode = stamp(LtsEpisode(person=person, unit=unit, start_date=start_date,
                               admitted_on=admitted_on), by=by,
                    reason=f"LTS episode recorded by {by}")
    episode.save()
    if person.current_unit_id != unit.pk:
        person.current_unit = unit
        stamp(person, by=by, reason=f"Placement changed to {unit.name} by {by}").save()
    return episode


@transaction.atomic
def lts_end(*, person: Person, end_date: date, end_reason: str, by, reason: str) -> LtsEpisode:
    """Record that the person's long-term segregation ended: when, how and why we know.

    A move to another unit is not an end (a new episode records it); the end date may not be in
    the future, before the episode started, or before the person was first referred.
    """
    episode = person.lts_episodes.select_for_update().filter(end_date__isnull=True).first()
    if episode is None:
        raise DomainError("No long-term segregation is recorded as ongoing for this person.",
                          field="end_date")
    if end_reason not in LtsEpisode.EndReason.values or \
            end_reason == LtsEpisode.EndReason.TRANSFERRED:
        raise DomainError("Choose how long-term segregation ended. A move to another unit is "
                          "recorded as a new placement, not an end.", field="end_reason")
    if end_date > date.today():
        raise DomainError("The date long-term segregation ended cannot be in the future.",
                          field="end_date")
    if end_date < episode.start_date:
        raise DomainError(f"The date long-term segregation ended cannot be before it started "
                          f"({episode.start_date:%d %b %Y}).", field="end_date")
    _not_before_first_referral(person, end_date, "The date long-term segregation ended",
                               field="end_date")
    if not reason.strip():
        raise DomainError("Say how you know, or what happened.", field="reason")
    episode.end_date, episode.end_reason = end_date, end_reason
    stamp(episode, by=by, reason=reason).save()
    days = (end_date - episode.start_date).days
    decision_record(actor=by, kind=Decision.Kind.LTS_ENDED, subject=episode, person=person,
                    summary=f"Long-term segregation ended: {episode.get_end_reason_display()}",
                    reason=reason, facts={"end_date": end_date.isoformat(), "days_in_lts": days,
                                          "unit": episode.unit.name})
    return episode


def _not_before_first_referral(person: Person, day: date, what: str, *, field: str) -> None:
    """Outcomes are measured from the first referral: none may be dated before it."""
    first = person.referrals.order_by("raised_at").values_list("raised_at", flat=True).first()
    if first is not None and day < timezone.localdate(first):
        raise DomainError(f"{what} cannot be before the first referral "
                          f"({timezone.localdate(first):%d %b %Y}).", field=field)


@transaction.atomic
def discharge_record(*, person: Person, discharged_on: date, setting: str, by,
                     reason: str) -> Discharge:
    """Record that the person left hospital. Ongoing long-term segregation ends on the same day
    (as "discharged from hospital"); both are decisions on the person's timeline."""
    Person.objects.select_for_update().filter(pk=person.pk).first()   # one writer at a time
    if setting not in Discharge.Setting.values:
        raise DomainError("Choose where the person went.", field="setting")
    if discharged_on > date.today():
        raise DomainError("The discharge date cannot be in the future.", field="discharged_on")
    latest = person.lts_episodes.order_by("-start_date").first()
    if latest is not None and discharged_on < latest.start_date:
        raise DomainError(f"The discharge date cannot be before the latest long-term "
                          f"segregation started ({latest.start_date:%d %b %Y}).",
                          field="discharged_on")
    _not_before_first_referral(person, discharged_on, "The discharge date",
                               field="discharged_on")
    if person.discharges.filter(readmitted_on__isnull=True).exists():
        raise ConflictError("A discharge is already recorded and the person has not been "
                            "readmitted since. Record the readmission first.",
                            code="discharge_open")
    if not reason.strip():
        raise DomainError("Say how you know, or what happened.", field="reason")
    if latest is not None and latest.end_date is None:
        lts_end(person=person, end_date=discharged_on, by=by, reason=reason,
                end_reason=LtsEpisode.EndReason.DISCHARGED)
    discharge = stamp(Discharge(person=person, discharged_on=discharged_on, setting=setting,
                                recorded_by=by), by=by, reason=reason)
    discharge.save()
    decision_record(actor=by, kind=Decision.Kind.DISCHARGED, subject=discharge, person=person,
                    summary=f"Discharged from hospital to "
                            f"{discharge.get_setting_display().lower()}",
                    reason=reason, facts={"discharged_on": discharged_on.isoformat(),
                                          "setting": setting})
    return discharge


@transaction.atomic
def readmission_record(*, discharge: Discharge, readmitted_on: date, by,
                       reason: str) -> Discharge:
    """Record that a discharged person went back into hospital."""
    discharge = Discharge.objects.select_for_update().get(pk=discharge.pk)
    if discharge.readmitted_on is not None:
        raise ConflictError("A readmission is already recorded for this discharge.",
                            code="readmission_recorded")
    if readmitted_on > date.today():
        raise DomainError("The readmission date cannot be in the future.",
                          field="readmitted_on")
    if readmitted_on < discharge.discharged_on:
        raise DomainError(f"The readmission date cannot be before the discharge "
                          f"({discharge.discharged_on:%d %b %Y}).", field="readmitted_on")
    if not reason.strip():
        raise DomainError("Say how you know, or what happened.", field="reason")
    discharge.readmitted_on = readmitted_on
    stamp(discharge, by=by, reason=reason).save()
    days = (readmitted_on - discharge.discharged_on).days
    decision_record(actor=by, kind=Decision.Kind.READMITTED, subject=discharge,
                    person=discharge.person, reason=reason,
                    summary=f"Readmitted to hospital {days:,} days after discharge",
                    facts={"readmitted_on": readmitted_on.isoformat(), "days_after": days,
                           "within_12_months": discharge.readmitted_within_a_year})
    return discharge


@transaction.atomic
def concern_raise(*, person: Person, by, source: str, category: str, severity: str,
                  description: str, raised_on: date | None = None,
                  kind: str = Concern.Kind.CONCERN) -> Concern:
    """Record a concern, or a request for a review, on behalf of whoever raised it.

    Both count towards the priority score while open (priority.py says how). A request for a
    review comes from the person, their family or carer, an advocate or the team supporting
    them (C(E)TR code of practice), is a decision on the person's timeline and waits in the
    coordinators' work until one of them responds to it.
    """
    raised_on = raised_on or date.today()
    if raised_on > date.today():
        raise DomainError("A concern cannot be raised on a future date.", field="raised_on")
    if kind not in Concern.Kind.values:
        raise DomainError("Choose a concern or a request for a review.", field="kind")
    asking = kind == Concern.Kind.REVIEW_REQUEST
    if asking and source not in Concern.REQUEST_SOURCES:
        raise DomainError("A request for a review is recorded on behalf of the person, their "
                          "family or carer, an advocate or the team supporting them.",
                          field="source")
    if not description.strip():
        raise DomainError("Describe the concern, or why a review is asked for.",
                          field="description")
    concern = stamp(Concern(
        person=person, kind=kind, source=source, category=category, severity=severity,
        description=description, raised_on=raised_on, recorded_by=by,
    ), by=by, reason=f"{Concern.Kind(kind).label} recorded by {by}")
    concern.save()
    if asking:
        decision_record(actor=by, kind=Decision.Kind.REVIEW_REQUESTED, subject=concern,
                        person=person, reason=description,
                        summary=f"Review requested by {concern.get_source_display().lower()}",
                        facts={"source": source, "raised_on": raised_on.isoformat()})
    return concern


def may_resolve(user, concern: Concern) -> bool:
    """Who closes what. A concern: a coordinator, or a commissioner (who raise and follow them).
    A request for a review: a review coordinator only, since they answer requests; closing one
    takes it off every coordinator's work and off the priority score (security round 3,
    finding 3; docs/domain.md)."""
    if not (user.is_active and user.has_perm("referrals.add_concern")):
        return False
    if concern.kind == Concern.Kind.REVIEW_REQUEST:
        return user.has_role(Role.COORDINATOR)
    return user.has_role(Role.COORDINATOR) or user.has_role(Role.COMMISSIONER)


@transaction.atomic
def concern_resolve(*, concern: Concern, by, reason: str) -> Concern:
    """Close a concern or answer a request; it stops counting towards the score today."""
    what = concern.get_kind_display().lower()
    if not may_resolve(by, concern):
        raise NotAllowedError("Only a review coordinator answers a request for a review."
                              if concern.kind == Concern.Kind.REVIEW_REQUEST else
                              "Only a coordinator or a commissioner resolves a concern.")
    if concern.status == Concern.Status.RESOLVED:
        raise ConflictError(f"This {what} is already resolved.", code="concern_resolved")
    if not reason.strip():
        raise DomainError(f"Say why the {what} is resolved.", field="reason")
    concern.status = Concern.Status.RESOLVED
    stamp(concern, by=by, reason=reason).save()
    about = ("" if concern.kind == Concern.Kind.REVIEW_REQUEST
             else f": {concern.get_category_display().lower()}")
    decision_record(actor=by, kind=Decision.Kind.CONCERN_RESOLVED, subject=concern,
                    person=concern.person, reason=reason,
                    summary=f"{concern.get_kind_display()} from "
                            f"{concern.get_source_display().lower()} resolved{about}",
                    facts={"source": concern.source, "severity": concern.severity,
                           "kind": concern.kind})
    return concern


@transaction.atomic
def referral_submit(*, raised_by, reason: str, requested_route: str, unit: Unit,
                    lts_start_date: date, person: Person | None = None,
                    new_person: dict | None = None, concerns: list[dict] = (),
                    organisation=None, source: str = "",
                    admitted_on: date | None = None) -> Referral:
    """Raise a referral for a person; refuses a second open referral for the same person.
    `organisation` is the commissioning organisation when someone outside it records the
    referral for it (an import of the caseload); otherwise the raiser's own.

    For someone not yet in Pathways, give `new_person` (what `person_create` takes, but `by`
    and `source`) instead of `person`: they are recorded first, in this same transaction. A
    person recorded a moment ago has no referral, LTS episode or concern that this step did
    not write, so none is looked for, and the priority snapshot that follows is handed the
    facts as written (`facts_at_submit`) instead of reading them back (decision 0030)."""
    if (person is None) == (new_person is None):
        raise TypeError("referral_submit takes a person or a new person's details.")
    validate_referral(reason=reason, requested_route=requested_route, concerns=concerns)
    organisation = organisation or raised_by.organisation
    if organisation is None:
        raise DomainError("Your account is not linked to an organisation.", code="no_organisation")
    if new_person is not None:
        person = person_create(by=raised_by, source=source, **new_person)
    else:
        existing = (Referral.objects.select_related("person")
                    .filter(person=person, status__in=Referral.OPEN_STATUSES).first())
        if existing is not None:
            raise DuplicateReferralError(existing)
    episode = lts_episode_start(person=person, unit=unit, start_date=lts_start_date,
                                by=raised_by, admitted_on=admitted_on,
                                first=new_person is not None)
    raised = [concern_raise(person=person, by=raised_by, **concern) for concern in concerns]
    try:
        with transaction.atomic():
            referral = stamp(Referral(
                person=person, organisation=organisation, raised_by=raised_by,
                raised_at=timezone.now(), reason=reason, requested_route=requested_route,
            ), by=raised_by, reason=f"Referral raised by {raised_by}"
                + (f" ({source})" if source else ""))
            referral.save()
    except IntegrityError:  # another referral for the person committed a moment ago
        raise DuplicateReferralError(
            Referral.objects.get(person=person, status__in=Referral.OPEN_STATUSES)) from None
    group = commissioners_group(organisation)
    grant("referrals.view_referral", group, referral)
    grant("referrals.view_person", group, person)
    decision_record(actor=raised_by, kind=Decision.Kind.REFERRAL_SUBMITTED, subject=referral,
                    person=person, reason=reason,
                    summary=f"Referral raised for {person.reference}, asking for "
                            f"{referral.get_requested_route_display()}")
    if new_person is not None:
        referral.facts_at_submit = person_facts(
            person, episodes=[episode],
            concerns=[c for c in raised if c.status == Concern.Status.OPEN])
    return referral


def policy_current() -> PriorityPolicy:
    return batch.once(PriorityPolicy, _policy_read)


def _policy_read() -> PriorityPolicy:
    policy = PriorityPolicy.objects.order_by("-version").first()
    if policy is None:
        policy = PriorityPolicy.objects.create(version=1, reason="Initial policy (DOMAIN.md)")
    return policy


@transaction.atomic
def referral_snapshot_priority(*, referral: Referral) -> Referral:
    """Store today's score, its explanation and the policy version on the referral."""
    policy = policy_current()
    # A new person's facts come from referral_submit, which has just written them; they are
    # taken, so that a later snapshot of this referral reads afresh.
    facts = referral.__dict__.pop("facts_at_submit", None) or person_facts(referral.person)
    result = priority.score(facts, priority.Weights.from_policy(policy), date.today())
    referral.priority_score = result.score
    referral.priority_breakdown = result.as_dict()
    referral.priority_policy = policy
    referral.priority_snapshot_at = timezone.now()
    # Only the snapshot's own fields: whatever else the referral holds is not this step's.
    stamp(referral, by=None, reason=f"Priority snapshot under policy v{policy.version}").save(
        update_fields=["priority_score", "priority_breakdown", "priority_policy",
                       "priority_snapshot_at"])
    return referral


@transaction.atomic
def referral_triage(*, referral: Referral, by, route: str, reason: str,
                    dates_confirmed: bool = False) -> Referral:
    """Accept with a route, or decline with a reason. The breakdown shown is recorded.
    Accepting someone who was very young when LTS began (LtsAgeLimits.confirm_under) needs the
    coordinator to confirm they have checked the dates."""
    referral = Referral.objects.select_for_update(of=("self",)).get(pk=referral.pk)
    if referral.status != Referral.Status.SUBMITTED:
        raise ConflictError(
            f"This referral has already been triaged ({referral.get_status_display().lower()}).",
            code="already_triaged")
    reason = (reason or "").strip()
    if route == "decline":
        if not reason:
            raise DomainError("Give the reason for declining; the commissioner will see it.",
                              field="reason")
        referral.status = Referral.Status.DECLINED
        referral.route = ""
        kind, summary = Decision.Kind.TRIAGE_DECLINED, "Referral declined"
    elif route in Route.values:
        from .validation import young_at_lts_start

        young = young_at_lts_start(referral)
        if young is not None and not dates_confirmed:
            raise DomainError(
                f"{referral.person.reference} would have been {young} when long-term segregation "
                "began. Check the date of birth and the start date with the commissioner, then "
                "confirm you have checked them.", field="dates_confirmed",
                code="dates_need_confirming")
        if young is not None:
            referral.dates_confirmed_by = by
        referral.status = Referral.Status.ACCEPTED
        referral.route = route
        kind = Decision.Kind.TRIAGE_ACCEPTED
        summary = f"Referral accepted for {Route(route).label}"
    else:
        raise DomainError("Choose a route or decline.", field="route")
    referral.decision_reason = reason
    referral.triaged_by = by
    referral.triaged_at = timezone.now()
    stamp(referral, by=by, reason=reason or summary).save()
    from .selectors import person_priority

    shown = person_priority(referral.person).as_dict()
    decision_record(actor=by, kind=kind, subject=referral, person=referral.person, reason=reason,
                    summary=f"{summary} for {referral.person.reference}",
                    facts={"priority": shown, "snapshot_score": referral.priority_score,
                           "requested_route": referral.requested_route,
                           "dates_confirmed": referral.dates_confirmed_by_id is not None})
    return referral


@transaction.atomic
def lts_age_limits_set(*, by, refuse_under: int, confirm_under: int, reason: str):
    """Change how young a start of LTS is refused, or needs confirming, with a reason."""
    from .models import LtsAgeLimits

    if not (reason or "").strip():
        raise DomainError("Say why the limits are changing, and their source.", field="reason")
    if not 1 <= refuse_under <= confirm_under <= 18:
        raise DomainError("The ages run 1 to 18, the one to refuse no higher than the one to "
                          "confirm.", field="confirm_under")
    limits = LtsAgeLimits.objects.select_for_update().order_by("pk").first() or LtsAgeLimits()
    before = (limits.refuse_under, limits.confirm_under) if limits.pk else None
    limits.refuse_under, limits.confirm_under, limits.reason = refuse_under, confirm_under, reason
    stamp(limits, by=by, reason=reason).save()
    decision_record(actor=by, kind=Decision.Kind.LTS_AGE_LIMITS_CHANGED, subject=limits,
                    reason=reason, summary=f"LTS starts refused under {refuse_under}, confirmed "
                                           f"at triage under {confirm_under}",
                    facts={"from": before, "to": [refuse_under, confirm_under]})
    return limits


@transaction.atomic
def unit_rate(*, unit: Unit, rating: str, rated_on: date, by, reason: str = "") -> CqcRating:
    """Record a published CQC rating; the unit's current rating follows the latest date."""
    if rated_on > date.today():
        raise DomainError("A rating cannot be dated in the future.", field="rated_on")
    record = CqcRating.objects.create(unit=unit, rating=rating, rated_on=rated_on, recorded_by=by)
    if unit.cqc_rated_on is None or rated_on >= unit.cqc_rated_on:
        unit.cqc_rating = rating
        unit.cqc_rated_on = rated_on
        why = reason or f"CQC rating {record.get_rating_display()} recorded by {by}"
        stamp(unit, by=by, reason=why).save()
    # It moves every score for people on this unit, so it is on the decision log.
    decision_record(actor=by, kind=Decision.Kind.UNIT_RATED, subject=unit, reason=reason,
                    summary=f"{unit.name}: CQC rating {record.get_rating_display()} "
                            f"({rated_on:%d %b %Y})",
                    facts={"rating": rating, "rated_on": rated_on.isoformat()})
    return record


@transaction.atomic
def policy_change(*, by, reason: str, **weights) -> PriorityPolicy:
    """Publish a new policy version. Old snapshots keep naming the version they used."""
    if not (reason or "").strip():
        raise DomainError("Say why the priority policy is changing.", field="reason")
    previous = policy_current()
    fields = {name: getattr(previous, name) for name in PriorityPolicy.WEIGHT_FIELDS}
    unknown = set(weights) - set(fields)
    if unknown:
        raise DomainError(f"Unknown policy weights: {', '.join(sorted(unknown))}.")
    fields = {**fields, **weights}
    policy = stamp(PriorityPolicy(version=previous.version + 1, reason=reason, created_by=by,
                                  **fields), by=by, reason=reason)
    policy.save()
    decision_record(actor=by, kind=Decision.Kind.POLICY_CHANGED, subject=policy,
                    summary=f"Priority policy v{policy.version} replaces v{previous.version}",
                    reason=reason, facts={"from": previous.version, "weights": weights})
    return policy
