"""Every service that records a human choice writes a Decision (issue 10).

The list of services is read from the code: a new public service that takes the acting person
(`by` or `raised_by`) fails here until it records a Decision or is named below with the reason
it is not a decision of its own.
"""
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOMAIN_SERVICES = ["accounts", "referrals", "reviews", "intervenors", "imports"]

NOT_A_DECISION = {
    "referrals.person_create": "part of raising a referral (the referral_submitted decision)",
    "referrals.lts_episode_start": "records a fact given with the referral; history says who",
    "referrals.concern_raise": "records someone else's concern as a fact; history says who "
                               "(a request for a review is also a decision)",
    "reviews.review_request": "part of triage (the triage_accepted decision)",
    "intervenors.case_open": "part of triage (the triage_accepted decision)",
    "intervenors.case_activity_log": "a note of casework done, not a choice; history says who",
    "intervenors.case_update_plan": "the discharge plan's text; history keeps each version",
    "reviews.panel_draft_save": "the chair's unfinished notes, kept for them alone and not part "
                                "of the record; recording the panel is the decision",
    "reviews.learning_note_add": "the group's note on a theme, about no person; history says who",
    "imports.import_check": "a check that saves nothing of the file's rows; the import decides",
    "imports.import_apply": "runs (or queues) import_run, which records caseload_imported",
}


def actor_services():
    for app in DOMAIN_SERVICES:
        tree = ast.parse((ROOT / app / "services.py").read_text())
        for node in tree.body:
            if not isinstance(node, ast.FunctionDef) or node.name.startswith("_"):
                continue
            names = {a.arg for a in node.args.kwonlyargs + node.args.args}
            if names & {"by", "raised_by"}:
                yield f"{app}.{node.name}", node


def calls_in(node) -> set[str]:
    return {n.func.id if isinstance(n.func, ast.Name) else getattr(n.func, "attr", "")
            for n in ast.walk(node) if isinstance(n, ast.Call)}


def test_every_service_acting_for_a_person_records_a_decision():
    services = dict(actor_services())
    assert len(services) > 15
    missing = [name for name, node in services.items()
               if "decision_record" not in calls_in(node) and name not in NOT_A_DECISION]
    assert not missing, f"record a Decision in, or explain in NOT_A_DECISION: {missing}"
    stale = set(NOT_A_DECISION) - set(services)
    assert not stale, f"no longer services: {stale}"


def test_the_flow_entry_points_only_delegate_to_the_domain_services():
    """workflows.services runs a flow step, whose node calls one domain service above."""
    tree = ast.parse((ROOT / "workflows" / "services.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and not node.name.startswith("_"):
            calls = calls_in(node)
            assert calls & {"_run_open_task", "run", "referral_raise"}, node.name
