"""The built-in course's review (issue 27): each error it found stays fixed.

Most fixes are pinned by a `tests:` entry in the question itself, which `tutor check` grades
on the first seeds; these tests cover what such an entry cannot: many seeds, prose in lessons
and solutions, and what `tutor check` says about a question.
"""

from __future__ import annotations

import json
import math
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from tutor.cli import main
from tutor.content.builtin import builtin_course_root
from tutor.content.loader import load_course
from tutor.content.variants import evaluate_in, fill, instantiate
from tutor.grading.grader import grade

ROOT = builtin_course_root()
COURSE = load_course(ROOT)
SEEDS = range(400)


def question(qid: str):
    return COURSE.questions[qid].question


def course_text() -> str:
    """Every lesson and question file, as written."""
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(ROOT.glob("[lq]*s/*.yaml")))


@pytest.mark.parametrize("qid", ["basics-gd-step", "basics-sum-step"])
def test_an_answer_rounded_to_the_3_figures_the_prompt_asks_for_is_right(qid):
    """Error 1: rel 0.003 refused a correctly rounded 1.00 for 1.00447 (seed 270). Rounded as
    school and STACK round, half away from zero (0.5255 → 0.526), with every figure shown."""
    from tutor.grading.tolerance import sigfig_text

    q = question(qid)
    assert "3 significant figures" in q.prompt
    refused = []
    for seed in SEEDS:
        variant = instantiate(q, seed)
        rounded = sigfig_text(float(variant.answer), 3)
        if grade(variant, rounded).verdict != "correct":
            refused.append((seed, variant.answer, rounded))
    assert refused == []


def test_the_hinge_solution_never_charges_a_margin_of_1_or_more():
    """Error 2: "every other example costs 1 − margin", though margins ≥ 1 cost 0 (seeds 0, 2)."""
    q = question("choose-hinge-batch")
    for seed in (0, 2):
        variant = instantiate(q, seed)
        margins = [float(m) for m in variant.shown["margin"]]
        losses = [float(v) for v in variant.answer]
        assert any(m >= 1 for m in margins[2:]) and losses[2:].count(0.0) >= 1
    assert "every other example costs" not in q.solution
    assert "1 or more costs 0" in q.solution


@pytest.mark.parametrize("qid", ["reg-gaussian-nll-value", "robust-huber-outlier", "choose-weighted-bce"])
def test_no_listed_mistake_grades_correct_on_any_of_400_seeds(qid):
    """Errors 3 and 4: ignoring σ was graded right on seed 11; e² for e²/2 on most seeds."""
    q = question(qid)
    right = []
    for seed in SEEDS:
        variant = instantiate(q, seed)
        for mistake in q.mistakes:
            value = float(evaluate_in(variant.values, mistake.answer, variant.scope))
            if grade(variant, repr(value)).verdict == "correct":
                right.append((seed, mistake.note))
    assert right == []


@pytest.mark.parametrize(
    ("qid", "note"),
    [
        ("reg-gaussian-nll-value", "sigma-ignored"),
        ("reg-gaussian-nll-value", "sigma-not-squared"),
        ("robust-huber-outlier", "quadratic-not-halved"),
        ("choose-weighted-bce", "divided-by-weights"),
        ("softmax-smoothed-loss", "eps-over-k-minus-1"),
        ("cce-true-class", "all-classes"),
    ],
)
def test_each_learner_mistake_is_named_with_feedback_on_every_seed(qid, note):
    q = question(qid)
    (mistake,) = [m for m in q.mistakes if m.note == note]
    for seed in range(60):
        variant = instantiate(q, seed)
        value = float(evaluate_in(variant.values, mistake.answer, variant.scope))
        result = grade(variant, repr(value))
        assert (result.verdict, result.notes) == ("incorrect", (note,)), seed
        assert "{{" not in result.feedback[0]


@pytest.mark.parametrize("qid", ["cce-true-class", "softmax-component"])
def test_the_class_before_the_true_one_is_named_off_by_one(qid):
    q = question(qid)
    seen = 0
    for seed in range(40):
        variant = instantiate(q, seed)
        k = int(variant.values["k"])
        if k == 0:
            continue  # no class before class 0: the mistake is marked `partial: ok`
        z = [float(x) for x in variant.values["z"]]
        if z[k - 1] == z[k]:
            continue
        typed = (
            f"exp({z[k - 1]})/sum(exp({z}))" if qid == "softmax-component" else f"logsumexp({z}) - {z[k - 1]}"
        )
        result = grade(variant, typed)
        assert result.verdict == "incorrect", seed
        # where it happens to equal an earlier listed mistake, that one's feedback comes first
        assert result.notes[0] in {m.note for m in q.mistakes}, seed
        seen += result.notes == ("off-by-one-class",)
    assert seen > 10


def test_check_warns_about_a_numeric_mistake_within_tolerance_on_some_seeds(tmp_path: Path):
    """Error 3's check: at the default 1 %, ignoring σ passes on seed 11 of the first 90, and
    `tutor check` says so at the mistake."""
    shutil.copytree(ROOT / "lessons", tmp_path / "lessons")
    shutil.copytree(ROOT / "questions", tmp_path / "questions")
    bank = tmp_path / "questions" / "regression.yaml"
    text = bank.read_text(encoding="utf-8")
    loose = re.sub(r"\n    tolerance: \{rel: 0\.002\}\n", "\n", text, count=1)
    assert loose != text
    bank.write_text(loose, encoding="utf-8")
    result = CliRunner().invoke(main, ["check", "--json", "--jobs", "1", str(bank)])
    found = json.loads(result.output)["diagnostics"]
    line = next(i for i, s in enumerate(loose.splitlines(), 1) if "(y - yhat)^2/2 + log(2*pi)/2" in s)
    at = [d for d in found if d["line"] == line]
    assert at, found
    assert at[0]["severity"] == "warning"
    assert "not reached on seeds 11, " in at[0]["message"]
    assert "grades correct" in at[0]["message"]


def test_residuals_are_e_equals_prediction_minus_target_everywhere():
    """Error 5: the lessons define e = ŷ − y; a question said "residuals y − ŷ"."""
    assert not re.search(r"residuals?( e =)? y − ŷ", course_text())
    variant = instantiate(question("mse-outlier"), 0)
    assert float(variant.shown["last"]) == 5 - float(variant.values["t"])


def test_the_lessons_say_what_scales_by_how_much():
    text = course_text()
    # error 6: the gradient of MSE scales by 1000 when the loss scales by 10⁶
    assert "gradients scale in the same way" not in text
    assert re.search(r"∂MSE/∂ŷ = 2\(ŷ − y\)/n is linear in\s+the residuals", text)
    # error 7: each tenfold drop in p, not each factor of 10 in confidence
    assert "factor of 10 in confidence" not in text
    assert "tenfold drop in the probability" in text


def test_no_lesson_calls_every_loss_non_negative_and_the_gaussian_nll_goes_below_0():
    """Error 8: the Gaussian NLL of lesson 2 is negative for σ < 1/√(2π) ≈ 0.399."""
    first = COURSE.lesson("what-is-a-loss").lesson
    assert not any("non-negative number" in s.body for s in first.sections)
    from tutor.content.lessons import compute_values

    sigma = float(compute_values(COURSE.lesson("regression").lesson).values["sigma_neg"])
    assert abs(sigma - 0.3989) < 1e-4
    assert (
        math.log(2 * math.pi * (0.99 * sigma) ** 2) / 2 < 0 < math.log(2 * math.pi * (1.01 * sigma) ** 2) / 2
    )


def test_the_focal_weight_of_a_background_box_is_1_minus_alpha():
    """Error 9: α = 0.25 is the weight of positives, so a background box weighs 0.75."""
    q = question("choose-focal-value")
    for seed in range(20):
        variant = instantiate(q, seed)
        assert float(variant.values["alpha_t"]) == 1 - float(variant.values["alpha"])
        alpha, p, gamma = (float(variant.values[n]) for n in ("alpha", "p", "gamma"))
        assert math.isclose(float(variant.answer), -(1 - alpha) * p**gamma * math.log(1 - p))
        assert f"α = {fill('{{alpha}}', variant.values)}" in fill(q.prompt, variant.values)


def test_multi_label_bce_has_one_convention_the_mean():
    """Error 10: summed in one question, averaged in another."""
    text = course_text()
    lines = [s for s in text.splitlines() if re.search(r"(?i)multi-?label|per (label|tag)", s)]
    assert not [s for s in lines if "summed" in s]
    assert any(
        "**mean** of the K per-label BCEs" in s.body for s in COURSE.lesson("choosing-a-loss").lesson.sections
    )


def test_the_entropy_lesson_comes_before_the_lesson_that_uses_entropy_with_a_full_quiz():
    order = [x.lesson.id for x in COURSE.lessons_in_order]
    assert order.index("binary-cross-entropy") < order.index("entropy-kl") < order.index("multiclass")
    assert "entropy-kl" in COURSE.lesson("multiclass").lesson.prerequisites
    lesson = COURSE.lesson("entropy-kl").lesson
    assert lesson.prerequisites == ["binary-cross-entropy"]
    assert any(
        s.plot and s.plot.controls and "KL(q‖p)" in {c.label for c in s.plot.curves} for s in lesson.sections
    )
    quiz = COURSE.resolve("entropy-kl")
    kinds = {e.question.type for e in quiz}
    assert len(quiz) >= 10 and "derivation" in kinds and len(kinds) >= 6


@pytest.mark.parametrize(
    ("qid", "words"),
    [
        ("softmax-two-class-sigmoid", "sigmoid"),
        ("softmax-temperature", "temperature"),
        ("choose-loss-likelihood", "Laplace"),
        ("robust-delta-from-mad", "MAD"),
        ("choose-clip-cost", "clip"),
        ("choose-double-softmax", "log-softmax"),
        ("choose-prior-shift", "production"),
        ("softmax-sparse-batch", "sparse"),
        ("softmax-sparse-code", "sparse"),
        ("choose-triplet", "triplet"),
        ("choose-contrastive", "contrastive"),
    ],
)
def test_what_the_lessons_teach_is_asked(qid, words):
    """Each question practises something its lesson (or a prerequisite of it) teaches."""
    q = question(qid)
    assert words in q.model_dump_json()
    lesson_id = next(b.bank.lesson for b in COURSE.banks if any(e.id == qid for e in b.entries))
    lessons = [COURSE.lesson(lesson_id).lesson]
    lessons += [COURSE.lesson(x).lesson for x in lessons[0].prerequisites]
    taught = " ".join(s.body for lesson in lessons for s in lesson.sections).lower()
    assert words.lower() in taught


def test_the_redundant_questions_are_gone():
    for qid in ("choose-pairing-multilabel", "choose-task-loss", "choose-task-activation-loss"):
        assert qid not in COURSE.questions
    assert COURSE.questions["softmax-multilabel"].question.id == "softmax-multilabel"
