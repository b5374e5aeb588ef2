"""The clinical safety case (DCB0129) and the data inventory cannot go stale unnoticed."""
import io
import shutil

import pytest
from django.core.management import CommandError, call_command
from pypdf import PdfReader

from clinical_safety import evidence, hazards, inventory, report

pytestmark = pytest.mark.django_db


def test_the_repositorys_safety_case_passes_its_check(capsys):
    call_command("safety_case", check=True)
    assert "every evidencing test collected" in capsys.readouterr().out


def test_a_report_or_inventory_not_written_again_after_a_change_is_stale(tmp_path):
    log = hazards.load()
    assert report.stale(log) == []
    changed = [*log[:-1], hazards.Hazard(**{**log[-1].__dict__, "status": "open"})]
    assert any("out of date with the hazard log" in p for p in report.stale(changed))
    assert inventory.DOCUMENT.read_text() == inventory.markdown()


def test_a_renamed_evidencing_test_fails_the_check_naming_the_hazard(tmp_path):
    log = tmp_path / "hazard-log.toml"
    text = hazards.LOG.read_text()
    gone = "test_twenty_simultaneous_assignments_exactly_three_succeed"
    assert gone in text
    log.write_text(text.replace(gone, gone + "_renamed"))
    with pytest.raises(CommandError) as refused:
        call_command("safety_case", check=True, log=log)
    message = str(refused.value)
    assert "H-003" in message and gone + "_renamed is not a test pytest collects" in message


def sample(**changes) -> hazards.Hazard:
    fields = dict(id="H-900", title="A sample", causes=["a cause"], effect="an effect",
                  harm="a harm", initial={"severity": "major", "likelihood": "medium"},
                  residual={"severity": "major", "likelihood": "very low"}, status="closed",
                  controls=[hazards.Control("test", "tested", ["tests/x.py::test_y"])])
    return hazards.Hazard(**(fields | changes))


def test_the_check_refuses_a_hazard_without_controls_or_with_a_risk_that_grew():
    found = {"tests/x.py::test_y"}
    assert hazards.check([sample()], found) == []
    assert "H-900 (A sample): has no control." in hazards.check([sample(controls=[])], found)
    grew = sample(residual={"severity": "catastrophic", "likelihood": "high"})
    problems = hazards.check([grew], found)
    assert any("higher than the initial risk" in p for p in problems)
    # A residual risk of 3 or more needs its justification written.
    three = sample(residual={"severity": "major", "likelihood": "low"})
    assert hazards.check([three], found) == [
        "H-900: a residual risk of 3 needs a written justification."]
    assert hazards.check([sample(residual=three.residual, justification="Agreed")], found) == []
    # A design or test control must name its evidence; training need not.
    untested = sample(controls=[hazards.Control("design", "by design")])
    assert any("names no test" in p for p in hazards.check([untested], found))
    assert hazards.check([sample(controls=[hazards.Control("training", "taught")])], found) == []


def test_dcb0129s_matrix_rates_the_corners_and_the_middle():
    assert hazards.risk("minor", "very low") == 1
    assert hazards.risk("catastrophic", "very high") == 5
    assert hazards.risk("considerable", "medium") == 3
    assert hazards.risk("catastrophic", "very low") == 3
    assert hazards.risk("minor", "very high") == 3


def test_a_malformed_hazard_is_named(tmp_path):
    log = tmp_path / "log.toml"
    log.write_text('[[hazard]]\nid = "H-777"\ntitle = "x"\n')
    with pytest.raises(hazards.LogError, match="H-777: missing"):
        hazards.load(log)


def test_every_model_field_is_classified_and_a_new_one_is_caught():
    assert inventory.problems() == []
    found = inventory.load()
    del found["referrals.Person"]["fields"]["nhs_number"]      # as if the column were new
    found["reviews.Review"]["fields"]["no_such_column"] = "operational"
    found["reviews.Action"]["fields"]["text"] = "secret"
    problems = inventory.problems(found)
    assert "referrals.Person.nhs_number: has no classification." in problems
    assert "reviews.Review.no_such_column: is classified but is no longer a field." in problems
    assert any(p.startswith("reviews.Action.text: 'secret' is not a class") for p in problems)


def test_the_inventory_document_names_each_class_and_the_nhs_number():
    text = inventory.markdown()
    assert "| `nhs_number` | direct identifier |" in text
    assert "| `ethnicity` | protected characteristic |" in text
    assert "## referrals.Person" in text and "**Lawful basis:**" in text


JUNIT = """<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="abc1234"
 timestamp="2026-12-06T12:00:00"><testcase classname="tests.intervenors.test_services"
 name="test_fourth_case_is_refused_when_intervenor_has_three"/><testcase
 classname="tests.intervenors.test_concurrency"
 name="test_twenty_simultaneous_assignments_exactly_three_succeed"><failure/></testcase>
 </testsuite></testsuites>"""


def test_the_report_renders_with_each_tests_result_and_a_pdf(tmp_path, monkeypatch):
    junit = tmp_path / "junit.xml"
    junit.write_text(JUNIT)
    run = evidence.read(junit)
    assert run.commit == "abc1234"
    assert run.result("tests/intervenors/test_services.py::"
                      "test_fourth_case_is_refused_when_intervenor_has_three") == "passed"
    log = hazards.load()
    text = report.markdown(log, run)
    assert f"**Hazards:** {len(log)}" in text
    assert "test_twenty_simultaneous_assignments_exactly_three_succeed`: **failed**" in text
    totals = report.summary(log, run)
    assert totals["passed"] == 1 and totals["failed"] == 1
    assert totals["evidence"] == sum(len(h.tests) for h in log)
    monkeypatch.setattr(report, "OUT", tmp_path)
    md, pdf = report.write(log, run)
    pages = PdfReader(io.BytesIO(pdf.read_bytes())).pages
    printed = " ".join(p.extract_text() for p in pages)
    for hazard in log:
        assert hazard.id in printed
    assert "Sign-off" in printed and md.read_text() == text


def test_the_command_writes_the_report_and_the_inventory(tmp_path, monkeypatch):
    monkeypatch.setattr(report, "OUT", tmp_path)
    monkeypatch.setattr(inventory, "DOCUMENT", tmp_path / "data-inventory.md")
    monkeypatch.setattr(hazards, "ROOT", tmp_path)
    shutil.copy(hazards.LOG, tmp_path / "log.toml")
    call_command("safety_case", log=tmp_path / "log.toml", junit=tmp_path / "none.xml")
    assert (tmp_path / "safety-case-report.pdf").read_bytes().startswith(b"%PDF")
    assert "# Data inventory" in (tmp_path / "data-inventory.md").read_text()
