"""A variant remembers what grading it again does not depend on the answer (sampled points,
values there, mistakes' values): every answer still grades as it does on a fresh variant."""

from __future__ import annotations

import gc

from tutor.content.builtin import builtin_course_root
from tutor.content.loader import load_course
from tutor.content.variants import instantiate, reused_variants
from tutor.grading.grader import grade

ANSWERS = {
    # branch switches of their own (min, max, |e|), or none, in an order that reuses points
    "robust-huber-formula": [
        "e^2/2 if |e| <= delta else delta*|e|",
        "min(|e|, δ)^2/2 + δ*max(|e| - δ, 0)",
        "e^2/2",
        "e^2/2 if |e| <= delta else |e| - 1/2",
        "e^2/2 if |e| <= delta else delta*(|e| - delta/2)",
        "e^2/2 if |e| <= delta else delta*|e|",
        "delta*e",
    ],
    "bce-confident-wrong": ["1", "-log(0.5)", "2.3", "1", "x"],
}


def test_answers_graded_one_after_another_grade_as_on_a_fresh_variant():
    course = load_course(builtin_course_root())
    for qid, answers in ANSWERS.items():
        question = course.questions[qid].question
        for seed in range(3):
            shared = instantiate(question, seed)
            for answer in answers:
                again = grade(shared, answer)
                fresh = grade(instantiate(question, seed), answer)
                assert again.to_json() == fresh.to_json(), (qid, seed, answer)
            assert shared.memo  # and it did remember something


def test_a_question_checked_draws_each_variant_once():
    question = load_course(builtin_course_root()).questions["robust-huber-formula"].question
    with reused_variants():
        assert instantiate(question, 1) is instantiate(question, 1)
        assert instantiate(question, 1) is not instantiate(question, 2)
    assert instantiate(question, 1) is not instantiate(question, 1)


def test_loading_leaves_the_collector_as_it_found_it():
    assert gc.isenabled()
    load_course(builtin_course_root())
    assert gc.isenabled()
    gc.disable()
    try:
        load_course(builtin_course_root())
        assert not gc.isenabled()
    finally:
        gc.enable()
