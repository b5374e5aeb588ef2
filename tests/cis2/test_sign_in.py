"""What a NHS CIS2 sign-in leads to (issue 31): an access request that gives nothing, an
approval that binds an account and grants roles, casework withheld while CIS2 does not list a
person's organisation, and signing out everywhere."""
import pytest
from django.test import Client
from rest_framework.authtoken.models import Token

from accounts.identity import (
    Identity,
    access_request_approve,
    access_request_refuse,
    identity_sign_in,
    sessions_end,
)
from accounts.models import AccessRequest, Organisation, User
from accounts.roles import Role
from accounts.services import api_token_issue, user_set_roles, user_update_account
from audit.models import Decision
from pathways.errors import DomainError, NotAllowedError

pytestmark = pytest.mark.django_db

NCL = [{"ods_code": "QMJ", "name": "NHS North Central London ICB"}]


def amara(**changes) -> Identity:
    facts = {"uid": "cis2-amara", "name": "Amara Osei", "email": "amara.osei@nhs.example",
             "organisations": tuple(NCL), "assurance": 3}
    return Identity(**{**facts, **changes})


def approved(admin, **changes) -> User:
    identity_sign_in(amara(**changes))
    request = AccessRequest.objects.get(cis2_uid="cis2-amara")
    return access_request_approve(
        request=request, by=admin, reason="New commissioner at NCL ICB",
        roles=[Role.COMMISSIONER], organisation=Organisation.objects.get(ods_code="QMJ"))


def test_a_first_sign_in_by_someone_unknown_gives_no_access(users):
    accounts = User.objects.count()
    outcome = identity_sign_in(amara())
    assert outcome.outcome == "waiting" and outcome.user is None
    assert User.objects.count() == accounts            # no account, so nothing to sign in as
    request = outcome.request
    assert request.status == AccessRequest.Status.PENDING
    assert request.ods_codes == ["QMJ"] and request.name == "Amara Osei"
    again = identity_sign_in(amara(name="Amara Osei-Mensah"))
    assert again.outcome == "waiting" and again.request.pk == request.pk
    assert AccessRequest.objects.get().name == "Amara Osei-Mensah"


def test_an_account_is_never_matched_by_email_alone(users):
    commissioner = users["commissioner"]
    outcome = identity_sign_in(amara(uid="cis2-someone", email=commissioner.email))
    assert outcome.outcome == "waiting"
    commissioner.refresh_from_db()
    assert commissioner.cis2_uid is None


def test_approval_binds_a_new_account_with_its_roles_each_a_decision(users):
    before = Decision.objects.count()
    user = approved(users["admin"])
    assert user.cis2_uid == "cis2-amara" and not user.has_usable_password()
    assert user.organisation.ods_code == "QMJ" and not user.casework_withheld
    assert user.has_role(Role.COMMISSIONER)
    kinds = set(Decision.objects.order_by("made_at")[before:].values_list("kind", flat=True))
    assert {Decision.Kind.ACCESS_REQUEST_APPROVED, Decision.Kind.ROLE_GRANTED,
            Decision.Kind.ACCOUNT_CHANGED} <= kinds
    outcome = identity_sign_in(amara())
    assert outcome.outcome == "signed_in" and outcome.user == user


def test_approval_needs_a_reason_a_role_and_an_administrator(users):
    identity_sign_in(amara())
    request = AccessRequest.objects.get()
    with pytest.raises(DomainError):
        access_request_approve(request=request, by=users["admin"], reason=" ",
                               roles=[Role.COMMISSIONER], organisation=None)
    with pytest.raises(DomainError):
        access_request_approve(request=request, by=users["admin"], reason="ok", roles=[],
                               organisation=None)
    with pytest.raises(NotAllowedError):
        access_request_approve(request=request, by=users["coordinator"], reason="ok",
                               roles=[Role.COMMISSIONER], organisation=None)
    assert AccessRequest.objects.get().status == AccessRequest.Status.PENDING


def test_nobody_binds_their_own_account_or_one_already_bound(users):
    identity_sign_in(amara())
    request = AccessRequest.objects.get()
    with pytest.raises(NotAllowedError):
        access_request_approve(request=request, by=users["admin"], reason="me",
                               roles=[Role.ADMINISTRATOR], organisation=None, user=users["admin"])
    taken = users["coordinator"]
    taken.cis2_uid = "cis2-someone-else"
    taken.save()
    with pytest.raises(DomainError):
        access_request_approve(request=request, by=users["admin"], reason="bind",
                               roles=[Role.COORDINATOR], organisation=None, user=taken)


def test_binding_an_existing_account_keeps_its_casework_and_ends_its_password(users, settings):
    settings.PASSWORD_SIGN_IN = False
    commissioner = users["commissioner"]
    assert commissioner.has_usable_password()
    identity_sign_in(amara(uid="cis2-commissioner"))
    request = AccessRequest.objects.get(cis2_uid="cis2-commissioner")
    user = access_request_approve(request=request, by=users["admin"], reason="Go-live",
                                  roles=[Role.COMMISSIONER], organisation=commissioner.organisation,
                                  user=commissioner)
    assert user.pk == commissioner.pk and user.cis2_uid == "cis2-commissioner"
    assert not user.has_usable_password()


def test_a_refused_request_stays_refused(users):
    identity_sign_in(amara())
    access_request_refuse(request=AccessRequest.objects.get(), by=users["admin"],
                          reason="Not part of the programme")
    assert Decision.objects.filter(kind=Decision.Kind.ACCESS_REQUEST_REFUSED).exists()
    assert identity_sign_in(amara()).outcome == "refused"


def test_someone_whose_organisation_cis2_does_not_list_keeps_no_casework(users):
    user = approved(users["admin"])
    moved = amara(organisations=({"ods_code": "QOP", "name": "NHS Greater Manchester ICB"},))
    outcome = identity_sign_in(moved)
    user = User.objects.get(pk=outcome.user.pk)
    assert outcome.outcome == "signed_in" and user.casework_withheld
    assert not user.has_role(Role.COMMISSIONER) and not user.has_perm("referrals.add_referral")
    withheld = Decision.objects.get(kind=Decision.Kind.ACCESS_WITHHELD, subject_id=str(user.pk))
    assert "QOP" in withheld.reason and "QMJ" in withheld.reason
    client = Client()
    client.force_login(user)
    page = client.get("/referrals/")
    assert page.status_code == 403 and b"does not list your Pathways organisation" in page.content
    # An administrator moves them to the organisation CIS2 lists: casework comes back.
    user_update_account(user=user, by=users["admin"], reason="Moved to GM ICB",
                        organisation=Organisation.objects.get(ods_code="QOP"))
    user = User.objects.get(pk=user.pk)
    assert not user.casework_withheld and user.has_role(Role.COMMISSIONER)
    assert Decision.objects.filter(kind=Decision.Kind.ACCESS_RESTORED).exists()


def test_an_organisation_without_an_ods_code_cannot_be_confirmed(users):
    user = approved(users["admin"])
    Organisation.objects.filter(pk=user.organisation_id).update(ods_code=None)
    assert User.objects.get(pk=identity_sign_in(amara()).user.pk).casework_withheld


def test_signing_out_everywhere_ends_every_session_and_token(users):
    user = approved(users["admin"])
    browsers = [Client(), Client()]
    for browser in browsers:
        browser.force_login(user)
        assert browser.get("/referrals/").status_code == 200
    token, _ = api_token_issue(user)
    api = Client(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api.get("/api/v1/me/tasks/").status_code == 200
    sessions_end(user=user, reason="Signed out of NHS CIS2 (back-channel logout)")
    for browser in browsers:
        response = browser.get("/referrals/")
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert api.get("/api/v1/me/tasks/").status_code == 401
    assert Decision.objects.filter(kind=Decision.Kind.SESSIONS_ENDED).exists()


def test_tokens_end_with_a_role_withdrawn_or_the_account_switched_off(users):
    user = users["commissioner"]
    api_token_issue(user)
    user_set_roles(user=user, roles=[], by=users["admin"], reason="Left the programme")
    assert not Token.objects.filter(user=user).exists()
    user = users["coordinator"]
    api_token_issue(user)
    user_update_account(user=user, by=users["admin"], reason="Left", is_active=False,
                        organisation=user.organisation)
    assert not Token.objects.filter(user=user).exists()


def test_an_account_switched_off_cannot_sign_in_with_cis2(users):
    user = approved(users["admin"])
    user_update_account(user=user, by=users["admin"], reason="Left", is_active=False,
                        organisation=user.organisation)
    assert identity_sign_in(amara()).outcome == "inactive"


def test_a_cis2_sign_in_removes_a_password_left_from_before(users, settings):
    settings.PASSWORD_SIGN_IN = False
    user = approved(users["admin"])
    user.set_password("an-old-password-1")
    user.save()
    identity_sign_in(amara())
    user.refresh_from_db()
    assert not user.has_usable_password()
