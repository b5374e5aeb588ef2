"""Object permissions match the relationships behind them, and drift is found and mended."""
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from guardian.shortcuts import assign_perm, remove_perm

from intervenors.models import IntervenorCase
from referrals.models import Referral
from workflows import services as flow
from workflows.grants import drift

pytestmark = pytest.mark.django_db


def test_the_demo_has_no_drift_after_every_kind_of_change(users):
    assert drift() == (set(), set())
    case = IntervenorCase.objects.filter(intervenor__user=users["intervenor"],
                                         status="active").first()
    flow.case_propose_closure(case=case, by=users["intervenor"], outcome="discharged",
                              reason="Home")
    flow.case_confirm_closure(case=case, by=users["coordinator"], confirm=True, reason="")
    assert drift() == (set(), set())


def test_a_lost_grant_and_a_stray_grant_are_reported_then_mended(users, capsys):
    referral = Referral.objects.filter(status="submitted").first()
    group = referral.organisation.commissioners_group
    remove_perm("referrals.view_referral", group, referral)
    assign_perm("referrals.view_referral", users["intervenor2"], referral)
    missing, extra = drift()
    assert len(missing) == 1 and len(extra) == 1
    with pytest.raises(CommandError, match="drifted"):
        call_command("check_grants")
    assert "1 missing, 1 extra" in capsys.readouterr().out
    call_command("check_grants", "--fix")
    assert drift() == (set(), set())
    assert not users["intervenor2"].has_perm("referrals.view_referral", referral)
