"""What `tutor new` writes: a commented bank holding one question of each kind, and a lesson.

Every template passes `tutor check` as written (tests/test_author_commands.py checks each), so
an instructor starts from something that works and changes one thing at a time. Plain text,
importing nothing: `tutor new --help` lists the kinds without loading the course model.
"""

from __future__ import annotations

_HEADER = """\
# A question bank: one YAML file under questions/. `tutor check` reports every problem at
# file:line:col; `tutor preview {qid}` shows the question as a learner sees it.
# Editor completion: `tutor schema bank > bank.schema.json` (AUTHORING.md §2).
bank: {bank}
title: My questions
# lesson: my-lesson          # the lesson this bank belongs to (its quiz takes these questions)
questions:
"""

_COMMON_TAIL = """\
  hints:                       # revealed one at a time; a penalty is the share of the score it costs
    - text: {hint}
      penalty: 0.1
  solution: |                  # the worked solution, with this variant's numbers
{solution}
  tags: [draft]
"""

_NUMERIC = (
    """\
- id: {qid}
  type: numeric
  prompt: |                    # Markdown; {{{{p}}}} shows this variant's value of p
    A classifier gives p = {{{{p}}}} to the true class. What is its cross-entropy loss, -log(p)?
  params:                      # drawn per variant: uniform, integers, choice, array, expr, value
    p: {{uniform: [0.05, 0.95], round: 2}}
  answer: -log(p)              # an expression over the parameters
  tolerance: {{rel: 0.01}}       # 1 % either way
  mistakes:                    # anticipated wrong answers, each with its own feedback
    - answer: -log10(p)
      note: log-base           # a stable tag for statistics
      feedback: That is the base-10 logarithm; cross-entropy uses the natural log.
"""
    + _COMMON_TAIL.format(
        hint="The loss of the true class is minus the log of its probability.",
        solution="    L = −log({{{{p}}}}) ≈ {{{{answer}}}}.",
    )
    + """\
  tests:                       # the answer key's own tests, run by `tutor check` on several seeds
    - {{answer: "-ln({{{{p}}}})", expect: correct}}
    - {{answer: "-log10({{{{p}}}})", expect: incorrect, note: log-base}}
"""
)

_EXPRESSION = (
    """\
- id: {qid}
  type: expression
  prompt: |
    Differentiate L(p) = -log(p) with respect to p.
  variables:                   # symbols the learner may use, with the domain they are checked on
    p: {{domain: positive}}
  answer: -1/p                 # graded by equivalence, however the learner writes it
  mistakes:
    - answer: 1/p
      note: sign
      feedback: The derivative of log(p) is 1/p; mind the minus in front.
"""
    + _COMMON_TAIL.format(
        hint="d/dp log(p) = 1/p.",
        solution="    dL/dp = −1/p.",
    )
    + """\
  tests:
    - {{answer: "-p^(-1)", expect: correct}}
    - {{answer: "1/p", expect: incorrect, note: sign}}
"""
)

_DERIVATION = (
    """\
- id: {qid}
  type: derivation
  mode: steps                  # or `chain`: the learner writes a = b = c from `start` to `answer`
  prompt: |
    Let L = (y - w*x)^2. Find dL/dw in two steps.
  variables:
    w: {{domain: real}}
    x: {{domain: real}}
    y: {{domain: real}}
  steps:
    - prompt: "dL/de, where e = y - w*x:"
      answer: 2*(y - w*x)
    - prompt: "dL/dw = dL/de · de/dw:"
      answer: -2*x*(y - w*x)
      follows: -x*step1        # this step in terms of earlier ones: credit for error carried forward
      mistakes:
        - answer: 2*x*(y - w*x)
          note: sign
          feedback: de/dw = -x; the minus carries into the gradient.
"""
    + _COMMON_TAIL.format(
        hint="Differentiate the square first, then the inside.",
        solution="    dL/de = 2e and de/dw = −x, so dL/dw = −2x(y − wx).",
    )
    + """\
  tests:
    - {{answer: "2(y - w x)\\n-2x(y - w x)", expect: correct}}
"""
)

_VECTOR = (
    """\
- id: {qid}
  type: vector
  prompt: |
    The logits are z = {{{{z}}}}. Give softmax(z) as a vector [p1, p2, p3].
  params:
    z: {{array: {{uniform: [-2, 2], size: 3, round: 1}}}}
  answer: softmax(z)
  sums_to: 1                   # a wrong answer that breaks these is told so
  nonnegative: true
  forbid: [softmax]            # the learner computes it, not the builtin
  mistakes:
    - answer: exp(z)
      note: no-normalising
      feedback: Divide each exponential by their sum.
"""
    + _COMMON_TAIL.format(
        hint="Exponentiate each logit, then divide by the sum.",
        solution="    softmax(z) ≈ {{{{answer:.3f}}}}.",
    )
    + """\
  tests:
    - {{answer: "{{{{answer}}}}", expect: correct}}
"""
)

_CHOICE = """\
- id: {qid}
  type: choice
  multiple: false              # true: several options may be correct
  prompt: Which loss is the negative log-likelihood of a Bernoulli label?
  options:                     # shown shuffled; the letters follow the order shown
    - text: Binary cross-entropy
      correct: true
    - text: Mean squared error
      feedback: MSE is the negative log-likelihood of a Gaussian, not a Bernoulli.
    - text: Hinge loss
      feedback: The hinge loss has no likelihood behind it.
""" + _COMMON_TAIL.format(
    hint="Write the log of p^y (1 − p)^(1 − y).",
    solution="    −log(p^y (1 − p)^(1 − y)) = −[y log p + (1 − y) log(1 − p)]: binary cross-entropy.",
)

_TEXT = (
    """\
- id: {qid}
  type: text
  prompt: Which regression loss is quadratic for small residuals and linear for large ones?
  accept: [huber, huber loss]  # compared forgivingly: case, spaces, -, _ and a leading "the"
  mistakes:
    - answer: mae
      note: mae-not-huber
      feedback: MAE is linear everywhere; the loss asked for is quadratic near zero.
"""
    + _COMMON_TAIL.format(
        hint="It is named after the statistician who proposed it in 1964.",
        solution="    The Huber loss.",
    )
    + """\
  tests:
    - {{answer: "Huber", expect: correct}}
    - {{answer: "MAE", expect: incorrect, note: mae-not-huber}}
"""
)

_CODE = (
    """\
- id: {qid}
  type: code
  prompt: |
    Write `mse(y, p)` returning the mean squared error of predictions `p` for targets `y`.
  function: mse
  starter: |
    import numpy as np

    def mse(y, p):
        ...
  reference: |                 # runs only inside the code sandbox, like a learner's answer
    import numpy as np

    def mse(y, p):
        return np.mean((y - p) ** 2)
  args:                        # drawn for each random trial, as parameters are
    y: {{array: {{uniform: [-3, 3], size: 8}}}}
    p: {{array: {{uniform: [-3, 3], size: 8}}}}
  edge_cases:                  # inputs always tried
    - {{y: [0, 0], p: [0, 0]}}
"""
    + _COMMON_TAIL.format(
        hint="Square the differences, then average them.",
        solution="    `np.mean((y - p) ** 2)`.",
    )
    + """\
  tests:
    - expect: correct
      answer: |
        def mse(y, p):
            return ((y - p) ** 2).mean()
"""
)

_FREE = """\
- id: {qid}
  type: free
  prompt: In two sentences, why is cross-entropy preferred to MSE for classification?
  model_answer: |              # the learner compares their answer with this and ticks the rubric
    Cross-entropy is the negative log-likelihood of the label, and through a sigmoid its
    gradient is p − y, which stays large while the prediction is wrong.
  rubric:
    - Cross-entropy is the negative log-likelihood.
    - {{text: "Its gradient through a sigmoid is p − y.", points: 2}}
""" + _COMMON_TAIL.format(
    hint="Compare the gradients with respect to the logit.",
    solution="    See the model answer: likelihood, and a gradient that does not vanish.",
)

_ORDERING = (
    """\
- id: {qid}
  type: ordering
  prompt: Put the stages of one training step in order, first at the top.
  items:                       # in the right order; each variant shows them shuffled
    - "Forward pass: the model's predictions"
    - "The loss of those predictions"
    - "Backward pass: the gradient of the loss"
    - "Update: a small step against the gradient"
"""
    + _COMMON_TAIL.format(
        hint="The gradient is a gradient of the loss, so the loss comes first.",
        solution="    Predictions, loss, gradient, update. In this variant: {{{{answer}}}}.",
    )
    + """\
  tests:                       # {{{{answer}}}} is this variant's right order, as letters
    - {{answer: "{{{{answer}}}}", expect: correct}}
    - {{answer: "a a", expect: invalid}}
"""
)

_MATCHING = (
    """\
- id: {qid}
  type: matching
  prompt: Match each task to the loss it is usually trained with.
  pairs:                       # left items and their right partners; the right side is shuffled
    - {{left: "Regression", right: "Mean squared error"}}
    - {{left: "Binary classification", right: "Binary cross-entropy"}}
  distractors:                 # right-hand items that match nothing
    - "Accuracy"
"""
    + _COMMON_TAIL.format(
        hint="Each loss is the negative log-likelihood of the output's distribution.",
        solution="    MSE for regression, BCE for binary classification. In this variant: {{{{answer}}}}.",
    )
    + """\
  tests:
    - {{answer: "{{{{answer}}}}", expect: correct}}
    - {{answer: "1a 1a", expect: invalid}}
"""
)

_INTERVAL = (
    """\
- id: {qid}
  type: interval
  prompt: |
    Gradient descent on L(w) = (w·x − y)² takes x = {{{{x}}}}. For which learning rates η does it
    converge? Write a set such as (0, 0.5) or 0 < eta < 0.5.
  params:
    x: {{choice: [1, 2, 4]}}
  variable: eta                # the name answers may use in inequalities (η works too)
  answer: (0, 1/x^2)           # interval notation; U joins pieces, inf is ∞, [ ] include an end
  tolerance: {{rel: 0.001}}      # for each end
  mistakes:
    - answer: (0, 1/x^2]
      note: boundary-included
      feedback: At η = 1/x² the error flips sign at every step without shrinking.
"""
    + _COMMON_TAIL.format(
        hint="Write the error after one step in terms of the error before it.",
        solution="    The error is multiplied by 1 − 2ηx² at each step: η ∈ {{{{answer}}}}.",
    )
    + """\
  tests:
    - {{answer: "0 < eta < 1/x^2", expect: correct}}
    - {{answer: "(0, 1/x^2]", expect: incorrect, note: boundary-included}}
"""
)

TEMPLATES = {
    "numeric": _NUMERIC,
    "expression": _EXPRESSION,
    "derivation": _DERIVATION,
    "vector": _VECTOR,
    "choice": _CHOICE,
    "text": _TEXT,
    "code": _CODE,
    "free": _FREE,
    "ordering": _ORDERING,
    "matching": _MATCHING,
    "interval": _INTERVAL,
}
TEMPLATE_KINDS = tuple(TEMPLATES)


def _indent(text: str, prefix: str = "  ") -> str:
    return "".join(prefix + line if line.strip() else line for line in text.splitlines(keepends=True))


def question_bank(kind: str, qid: str, bank: str) -> str:
    """A bank file holding one commented question of `kind`."""
    return _HEADER.format(bank=bank, qid=qid) + _indent(TEMPLATES[kind].format(qid=qid))


_LESSON = """\
# A lesson: one YAML file under lessons/. `tutor lesson {lid} --watch` shows it as you edit.
id: {lid}
title: My lesson
summary: One line shown on the course map.
# order: 1                     # its place on the course map (default: file order)
# prerequisites: [other-lesson]
values:                        # numbers computed once, shown in the text as {{{{name:.3f}}}}
  loss_half: -log(0.5)
sections:
  - title: The idea
    body: |
      Markdown text. A confident right answer costs little; at p = 0.5 the loss is
      {{{{loss_half:.3f}}}}.
    formulas:                  # pretty-printed: "left side = expression"
      - "L(p) = -log(p)"
    plot:                      # an interactive plot in the terminal
      x: p
      range: [0.01, 1]
      curves:
        - {{y: -log(p), label: "-log(p)"}}
# quiz: [my-bank]              # the questions or banks of this lesson's quiz
"""


def lesson(lesson_id: str) -> str:
    """A lesson file with a section, a formula, a plot and a computed value."""
    return _LESSON.format(lid=lesson_id)
