"""Where a referral, review or case is in its flow: each step done (by whom, when), the one
waiting now (who holds it, since when, due by) and those to come — from viewflow's task rows,
in one query a subject."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.utils import timezone
from viewflow.workflow.status import STATUS

from .inbox import add_working_days
from .models import StepTarget

# (node, what the step is, who holds it while it waits) for each flow, in order.
STEPS = {
    "referral": [("start", "Referral raised", "The commissioner"),
                 ("triage", "Triage", "The programme team (review coordinators)")],
    "review": [("past", "Held before Pathways: recorded from the programme's records",
                "The programme team"),
               ("start", "Review requested", "The programme team"),
               ("schedule", "Schedule the panel", "The programme team (review coordinators)"),
               ("hold_panel", "Record the panel", "chair"),
               ("issue_report", "Issue the report", "chair")],
    "case": [("start", "Joined the waiting list", "The programme team"),
             ("assign", "Assign an intervenor", "The programme team (review coordinators)"),
             ("casework", "Casework", "intervenor"),
             ("confirm_closure", "Confirm the closure", "The programme team (review coordinators)")],
}
# Steps only some runs of a flow take: never shown as to come.
ONLY_WHEN_RUN = {"past"}


@dataclass(frozen=True)
class Stage:
    label: str
    state: str                # "done", "current" or "to come"
    by: str = ""
    at: datetime | None = None
    due: date | None = None


def stages(kind: str, process, *, holder: dict[str, str] | None = None) -> list[Stage]:
    """The stages of a flow; `holder` names the people behind "chair", "intervenor" and
    "started by" when the page knows them."""
    if process is None:
        return []
    holder = holder or {}
    tasks = {}
    for task in process.task_set.select_related("owner").order_by("created", "pk"):
        tasks[task.flow_task.name] = task          # the latest run of each step
    targets = dict(StepTarget.objects.values_list("step", "working_days"))
    result = []
    for node, label, who in STEPS[kind]:
        task = tasks.get(node)
        if task is not None and task.status == STATUS.DONE:
            by = str(task.owner) if task.owner else holder.get("started by", "Pathways")
            result.append(Stage(label, "done", by, task.finished or task.created))
        elif task is not None:
            due = (add_working_days(timezone.localdate(task.created), targets[node])
                   if node in targets else None)
            who = (f"{task.owner} (taken on)" if task.assigned and task.owner_id
                   else holder.get(who, who))
            result.append(Stage(label, "current", who, task.created, due))
        elif process.status != STATUS.DONE and node not in ONLY_WHEN_RUN:
            result.append(Stage(label, "to come", holder.get(who, who)))
    return result


def for_referral(referral) -> list[Stage]:
    from .models import ReferralProcess

    return stages("referral", ReferralProcess.objects.filter(referral=referral).first(),
                  holder={"started by": str(referral.raised_by),
                          "The commissioner": str(referral.raised_by)})


def for_review(review, chair=None) -> list[Stage]:
    from .models import ReviewProcess

    return stages("review", ReviewProcess.objects.filter(review=review).first(),
                  holder={"chair": str(chair) if chair else "The chair, once allocated"})


def for_case(case) -> list[Stage]:
    from .models import IntervenorProcess

    worker = str(case.intervenor) if case.intervenor_id else "The intervenor, once assigned"
    return stages("case", IntervenorProcess.objects.filter(case=case).first(),
                  holder={"intervenor": worker})
