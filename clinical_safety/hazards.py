"""The hazard log (DCB0129): read, checked against the test suite, and rated by the matrix.

The log is data (docs/clinical-safety/hazard-log.toml). Each design or test control names the
pytest node ids that show it works; `check()` finds every way the log has gone stale (a test
renamed or removed, a hazard with no control, a residual risk above the initial one, a
residual risk of 3 or more with no justification). `make test` runs it.
"""
from __future__ import annotations

import subprocess
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOG = ROOT / "docs" / "clinical-safety" / "hazard-log.toml"

SEVERITIES = ["minor", "significant", "considerable", "major", "catastrophic"]
LIKELIHOODS = ["very low", "low", "medium", "high", "very high"]
# DCB0129's risk matrix: the risk rating (1 to 5) by likelihood (rows, very low to very high)
# and severity (columns, minor to catastrophic).
MATRIX = [
    [1, 1, 2, 2, 3],      # very low
    [1, 2, 2, 3, 4],      # low
    [2, 2, 3, 3, 4],      # medium
    [2, 3, 3, 4, 5],      # high
    [3, 4, 4, 5, 5],      # very high
]
RISK_WORDS = {1: "Very low", 2: "Low", 3: "Medium", 4: "High", 5: "Very high"}
RISK_MEANING = {
    1: "Acceptable: no further action needed.",
    2: "Acceptable where cost of further reduction outweighs the benefit.",
    3: "Undesirable: accepted only with a written justification and the clinical safety "
       "officer's agreement.",
    4: "Unacceptable: further controls are needed before release.",
    5: "Unacceptable: the system must not be released.",
}
CONTROL_KINDS = {"design", "test", "training", "business process"}
EVIDENCED = {"design", "test"}
STATUSES = {"open", "closed"}


def risk(severity: str, likelihood: str) -> int:
    return MATRIX[LIKELIHOODS.index(likelihood)][SEVERITIES.index(severity)]


@dataclass
class Control:
    kind: str
    text: str
    tests: list[str] = field(default_factory=list)


@dataclass
class Hazard:
    id: str
    title: str
    causes: list[str]
    effect: str
    harm: str
    initial: dict
    residual: dict
    status: str
    controls: list[Control]
    justification: str = ""

    @property
    def initial_risk(self) -> int:
        return risk(self.initial["severity"], self.initial["likelihood"])

    @property
    def residual_risk(self) -> int:
        return risk(self.residual["severity"], self.residual["likelihood"])

    @property
    def tests(self) -> list[str]:
        return [t for c in self.controls for t in c.tests]


class LogError(ValueError):
    pass


def load(path: Path = LOG) -> list[Hazard]:
    """The hazards in the log, with the shape of each entry checked (a malformed entry is a
    LogError naming the hazard)."""
    with open(path, "rb") as file:
        data = tomllib.load(file)
    hazards = []
    for entry in data.get("hazard", []):
        name = entry.get("id", "a hazard with no id")
        try:
            hazard = Hazard(
                id=entry["id"], title=entry["title"], causes=list(entry["causes"]),
                effect=entry["effect"], harm=entry["harm"], initial=dict(entry["initial"]),
                residual=dict(entry["residual"]), status=entry["status"],
                justification=entry.get("justification", ""),
                controls=[Control(c["kind"], c["text"], list(c.get("tests", [])))
                          for c in entry.get("control", [])])
        except KeyError as missing:
            raise LogError(f"{name}: missing {missing}") from None
        for which in ("initial", "residual"):
            rating = getattr(hazard, which)
            if rating.get("severity") not in SEVERITIES or \
                    rating.get("likelihood") not in LIKELIHOODS:
                raise LogError(f"{name}: {which} needs a severity ({', '.join(SEVERITIES)}) "
                               f"and a likelihood ({', '.join(LIKELIHOODS)})")
        if hazard.status not in STATUSES:
            raise LogError(f"{name}: status is one of {', '.join(sorted(STATUSES))}")
        for control in hazard.controls:
            if control.kind not in CONTROL_KINDS:
                raise LogError(f"{name}: a control's kind is one of "
                               f"{', '.join(sorted(CONTROL_KINDS))}")
        hazards.append(hazard)
    ids = [h.id for h in hazards]
    if len(ids) != len(set(ids)):
        raise LogError("Two hazards share an id.")
    return hazards


def collected(node_ids: list[str]) -> set[str]:
    """The node ids pytest collects in the files the given ids name (collection only)."""
    files = sorted({n.split("::")[0] for n in node_ids if (ROOT / n.split("::")[0]).is_file()})
    if not files:
        return set()
    result = subprocess.run(  # noqa: S603 - our own interpreter and our own test files
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
         *files], cwd=ROOT, capture_output=True, text=True, check=False)
    return {line.strip() for line in result.stdout.splitlines() if "::" in line}


def is_collected(node_id: str, found: set[str]) -> bool:
    """A named test is collected as itself or, when parametrised, as any of its cases."""
    return node_id in found or any(f.startswith(node_id + "[") for f in found)


def check(hazards: list[Hazard], found: set[str] | None = None) -> list[str]:
    """Every way the log is stale or unsafe, one line each, naming the hazard."""
    if found is None:
        found = collected([t for h in hazards for t in h.tests])
    problems = []
    for h in hazards:
        if not h.controls:
            problems.append(f"{h.id} ({h.title}): has no control.")
        for c in h.controls:
            if c.kind in EVIDENCED and not c.tests:
                problems.append(f"{h.id}: a {c.kind} control names no test: {c.text}")
            for node in c.tests:
                if not is_collected(node, found):
                    problems.append(f"{h.id}: {node} is not a test pytest collects (renamed "
                                    f"or removed?): update the hazard log.")
        if h.residual_risk > h.initial_risk:
            problems.append(f"{h.id}: the residual risk ({h.residual_risk}) is higher than "
                            f"the initial risk ({h.initial_risk}).")
        if h.residual_risk >= 3 and not h.justification.strip():
            problems.append(f"{h.id}: a residual risk of {h.residual_risk} needs a written "
                            f"justification.")
    return problems
