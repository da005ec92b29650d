"""The closing table: every claim of CLAIMS with the verdict its section computed, one line of
evidence and a link; the lessons follow the verdicts (fed hand-made results that flip them)."""

from __future__ import annotations

import dataclasses

import pytest

from explainer.core.claims import CLAIMS, CONFIRMED, CONTRADICTED, NOT_JUDGED, REFINED, ClaimResult
from explainer.sections import CLOSING, SECTIONS
from explainer.sections.closing import words
from pages import run, texts


def _result(claim_id: str, verdict: str, evidence: dict | None = None) -> ClaimResult:
    return ClaimResult(claim=claim_id, verdict=verdict, summary="First sentence. Second one.", evidence=evidence or {})


def test_every_claim_has_a_name_a_line_and_a_lesson_for_each_verdict():
    assert set(words.LINES) == set(CLAIMS) == set(words.LESSONS)
    for lessons in words.LESSONS.values():
        assert set(lessons) == {CONFIRMED, REFINED, CONTRADICTED}
        assert len(set(lessons.values())) == 3  # a changed verdict changes the lesson


def test_every_section_with_claims_judges_them_in_its_own_order():
    for section in SECTIONS:
        assert section.verdicts is not None, section.slug
    assert [c for s in SECTIONS for c in s.claims] == list(CLAIMS)


def test_the_lesson_follows_the_verdict():
    a = words.lesson(_result("saddle-probability", REFINED))
    b = words.lesson(_result("saddle-probability", CONTRADICTED))
    assert a != b and "wrong model" in a and "commoner" in b
    assert "not judged" in words.lesson(_result("saddle-probability", NOT_JUDGED))


def test_the_tally_and_the_moral_count_the_verdicts():
    results = [_result("a", CONFIRMED), _result("b", REFINED), _result("c", REFINED), _result("d", CONTRADICTED)]
    assert words.tally(results) == (
        "Of the article's 4 claims checked here, 1 holds as stated, 2 are right in direction but need a correction "
        "and 1 does not hold."
    )
    mostly_wrong = [_result(str(i), CONTRADICTED) for i in range(3)] + [_result("x", CONFIRMED)]
    mostly_right = [_result(str(i), CONFIRMED) for i in range(3)] + [_result("x", REFINED)]
    mixed = [_result(str(i), REFINED) for i in range(3)] + [_result("x", CONFIRMED)]
    morals = {words.theme(mostly_wrong), words.theme(mostly_right), words.theme(mixed)}
    assert len(morals) == 3
    assert "fails" in words.theme(mostly_wrong) and "mostly holds" in words.theme(mostly_right)


def test_an_evidence_line_states_the_claims_numbers():
    r = CLAIMS["downhill-directions"].check(0)
    line = words.evidence_line(r)
    e = r.evidence
    assert f"{e['k'][0]} → {e['k'][-1]} downhill directions" in line
    assert f"{e['steps_by_k'][0]:.0f} → {e['steps_by_k'][-1]:.0f} steps" in line


def test_missing_evidence_falls_back_to_the_summarys_first_sentence():
    assert words.evidence_line(_result("downhill-directions", REFINED, {"k": []})) == "First sentence."
    assert words.evidence_line(_result("unknown-claim", REFINED)) == "First sentence."


@pytest.fixture(scope="module")
def closing():
    return run(section=CLOSING.slug)


def test_the_table_alone_shows_every_claim_with_its_ledger_verdict(closing):
    assert [h.value for h in closing.header] == [CLOSING.title]
    table = next(m.value for m in closing.markdown if m.value.startswith("| Section |"))
    rows = table.splitlines()[2:]
    assert len(rows) == len(CLAIMS)
    named = []
    for row, (claim_id, claim) in zip(rows, CLAIMS.items(), strict=True):
        verdict = claim.check(0).verdict
        assert f" {verdict}]" in row and words.title(claim_id) in row
        if f"(?section={claim.section})" in row:  # alone, links open the section itself
            named.append(claim.section)
    assert named == [s.slug for s in SECTIONS if s.claims]  # each section named once
    metrics = {m.label: int(m.value) for m in closing.metric}
    checked = [c.check(0).verdict for c in CLAIMS.values()]
    assert metrics == {v.capitalize(): checked.count(v) for v in (CONFIRMED, REFINED, CONTRADICTED)}
    assert words.tally([c.check(0) for c in CLAIMS.values()]) in texts(closing)


def test_the_table_reads_what_the_sections_computed(monkeypatch):
    # A section whose verdict flips: the table and its lesson must follow it, not a stored copy.
    from explainer.sections.descent import page as descent_page

    real = descent_page.claim_view

    def flipped(settings):
        return dataclasses.replace(real(settings), verdict=CONTRADICTED)

    monkeypatch.setattr(descent_page, "claim_view", flipped)
    at = run(section=CLOSING.slug)
    table = next(m.value for m in at.markdown if m.value.startswith("| Section |"))
    assert " contradicted]" in table.splitlines()[2]
    assert words.LESSONS["small-gradient-best-fit"][CONTRADICTED] in texts(at)


def test_the_new_sections_lines_read_their_evidence():
    plateau = CLAIMS["plateau-slow"].check(0)
    e = dict(plateau.evidence, steps_depth3=[*plateau.evidence["steps_depth3"][:-1], None])
    line = words.evidence_line(dataclasses.replace(plateau, evidence=e))
    assert "not within the budget (depth 3)" in line and f"{e['steps_depth2'][-1]:,}" in line
    fit = CLAIMS["global-minimum-overfits"].check(0)
    line = words.evidence_line(fit)
    assert f"{fit.evidence['test_early']:.3f} when stopped early" in line
    assert f"{fit.evidence['test_late']:.3f} at the training minimum" in line
