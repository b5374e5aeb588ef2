"""The last test run's results, as pytest's JUnit XML wrote them (`make test` writes
.test-results/junit.xml, naming the commit it ran on as the suite's name)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

from .hazards import ROOT

JUNIT = ROOT / ".test-results" / "junit.xml"


@dataclass
class Run:
    commit: str
    timestamp: str
    results: dict[str, str]          # node id -> passed | failed | skipped

    def result(self, node_id: str) -> str:
        """A test's result; a parametrised test passes only if every case passed."""
        if node_id in self.results:
            return self.results[node_id]
        cases = [r for n, r in self.results.items() if n.startswith(node_id + "[")]
        if not cases:
            return "not run"
        for worst in ("failed", "skipped"):
            if worst in cases:
                return worst
        return "passed"


def _node_id(classname: str, name: str) -> str:
    parts = classname.split(".")
    for cut in range(len(parts), 0, -1):       # the module, then any class inside it
        path = "/".join(parts[:cut]) + ".py"
        if (ROOT / path).is_file():
            return "::".join([path, *parts[cut:], name])
    return f"{classname.replace('.', '/')}.py::{name}"


def read(path: Path = JUNIT) -> Run | None:
    """The run in `path`, with the other JUnit files beside it (`make test` writes the
    parallel run and the exclusive tests apart)."""
    if not path.is_file():
        return None
    tree = ElementTree.parse(path)  # noqa: S314 - our own test run's file
    suites = tree.getroot()
    suite = suites if suites.tag == "testsuite" else suites.find("testsuite")
    results = {}
    cases = list(tree.iter("testcase"))
    for other in sorted(path.parent.glob("junit*.xml")):
        if other != path:
            cases += list(ElementTree.parse(other).iter("testcase"))  # noqa: S314
    for case in cases:
        outcome = "passed"
        if case.find("failure") is not None or case.find("error") is not None:
            outcome = "failed"
        elif case.find("skipped") is not None:
            outcome = "skipped"
        node = _node_id(case.get("classname", ""), case.get("name", ""))
        if results.get(node) != "failed":       # a rerun's pass does not hide a failure
            results[node] = outcome
    return Run(commit=(suite.get("name") if suite is not None else "") or "unknown",
               timestamp=(suite.get("timestamp") if suite is not None else "") or "",
               results=results)
