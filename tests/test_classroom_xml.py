"""`tutor export --format moodle-xml|qti`: parsed back with lxml and compared question by question
with what the course says (the expected numbers are computed here, not taken from the exporter).

For QTI, a small interpreter of the response-processing subset the exporter writes (match,
equal with a tolerance, stringMatch, mapResponse, sum) grades answers the way an LMS would,
so the package is checked by behaviour, not only by shape.
"""

from __future__ import annotations

import io
import math
import re
import zipfile

import pytest
from click.testing import CliRunner
from lxml import etree

from tests.conftest import FIXTURES
from tutor.cli import main

COURSE = FIXTURES / "class-course"
QTI = "{http://www.imsglobal.org/xsd/imsqti_v2p1}"
CP = "{http://www.imsglobal.org/xsd/imscp_v1p1}"


def export(fmt: str, *refs: str, variants: int = 1, tmp_path=None) -> tuple[bytes, str]:
    args = ["export", "--format", fmt, *refs, "--course", str(COURSE), "--variants", str(variants)]
    if tmp_path is not None:
        args += ["-o", str(tmp_path / "out")]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.stderr
    data = (tmp_path / "out").read_bytes() if tmp_path is not None else result.stdout_bytes
    return data, result.stderr


# ------------------------------------------------------------------ Moodle XML


def moodle_questions(data: bytes) -> tuple[dict[str, etree._Element], list[tuple[str, str]]]:
    root = etree.fromstring(data)
    assert root.tag == "quiz"
    out, order, category = {}, [], None
    for q in root.iter("question"):
        if q.get("type") == "category":
            category = q.findtext("category/text")
            continue
        name = q.findtext("name/text")
        out[name] = q
        order.append((name, category))
    return out, order


def answers(q) -> list[tuple[str, float, str, str | None]]:
    return [
        (
            a.findtext("text"),
            float(a.get("fraction")),
            a.findtext("feedback/text") or "",
            a.findtext("tolerance"),
        )
        for a in q.findall("answer")
    ]


def test_moodle_xml_holds_every_kind_but_code_and_derivation():
    data, err = export("moodle-xml", "mixed")
    qs, _ = moodle_questions(data)
    warning = [line for line in err.splitlines() if "warning" in line]
    assert len(warning) == 1 and "write-code" in warning[0] and "steps-deriv" in warning[0]
    assert {n: q.get("type") for n, q in qs.items()} == {
        "num-fixed": "numerical",
        "num-drawn": "numerical",
        "pick-one": "multichoice",
        "pick-many": "multichoice",
        "name-it": "shortanswer",
        "grad-expr": "shortanswer",
        "softmax-vec": "cloze",
        "why-free": "essay",
    }
    num = qs["num-fixed"]
    assert answers(num) == [
        ("0.75", 100.0, "", "0.01"),
        ("1.333333333", 0.0, "That is 4/3: you divided the wrong way round.", "0.01"),
        ("0.7", 50.0, "Close; keep two decimals.", "0.01"),
    ]
    assert [h.findtext("text") for h in num.findall("hint")] == ["Divide 3 by 4."]
    assert num.findtext("generalfeedback/text") == "3/4 = 0.75."
    assert num.find("questiontext").get("format") == "markdown"

    one = qs["pick-one"]
    assert one.findtext("single") == "true"
    # Our default retry penalty for a choice: 1/(options − 1).
    assert float(one.findtext("penalty")) == pytest.approx(0.5)
    assert [(t, f) for t, f, _, _ in answers(one)] == [
        ("Sigmoid", 100),
        ("ReLU", 0),
        ("tanh ~ range (-1, 1)", 0),
    ]
    many = qs["pick-many"]
    assert many.findtext("single") == "false"
    fractions = [f for _, f, _, _ in answers(many)]
    assert sum(f for f in fractions if f > 0) == pytest.approx(100, abs=1e-3)
    assert fractions[3] < 0

    assert qs["name-it"].findtext("usecase") == "0"
    assert [(t, f) for t, f, _, _ in answers(qs["name-it"])] == [
        ("Huber", 100),
        ("Huber loss", 100),
        ("MAE", 0),
    ]
    assert qs["grad-expr"].findtext("usecase") == "1"

    # The vector: one NUMERICAL blank per entry of softmax([0, a]), computed here.
    text = qs["softmax-vec"].findtext("questiontext/text")
    a = float(re.search(r"softmax\(\[0, (\d+)\]\)", text).group(1))
    expected = [1 / (1 + math.exp(a)), math.exp(a) / (1 + math.exp(a))]
    blanks = re.findall(r"\{1:NUMERICAL:=([-0-9.e]+):([0-9.e-]+)\}", text)
    assert [float(v) for v, _ in blanks] == pytest.approx(expected, abs=1e-9)
    assert all(float(t) == 0.001 for _, t in blanks)

    essay = qs["why-free"]
    info = essay.findtext("graderinfo/text")
    assert "piecewise constant" in info and "Zero gradient" in info


def test_moodle_variants_sit_in_a_category_per_question():
    # yhat is 5, 6, 6, 6, 5, 6, 9, 7 on seeds 0-7: each distinct variant once, named by its seed
    data, _ = export("moodle-xml", "num-drawn", "num-fixed", variants=8)
    qs, order = moodle_questions(data)
    assert [name for name, _ in order] == [
        "num-drawn-s0",
        "num-drawn-s1",
        "num-drawn-s6",
        "num-drawn-s7",
        "num-fixed",
    ]
    assert {c for n, c in order if n.startswith("num-drawn")} == {"$course$/tutor/mixed/num-drawn"}
    assert dict(order)["num-fixed"] == "$course$/tutor/mixed"
    for name in ("num-drawn-s0", "num-drawn-s7"):
        yhat = int(re.search(r"predicts (\d+)", qs[name].findtext("questiontext/text")).group(1))
        assert float(answers(qs[name])[0][0]) == (yhat - 3) ** 2


# ------------------------------------------------------------------ QTI 2.1


def qti_package(tmp_path, *refs: str, variants: int = 1) -> tuple[zipfile.ZipFile, str]:
    data, err = export("qti", *refs, variants=variants, tmp_path=tmp_path)
    return zipfile.ZipFile(io.BytesIO(data)), err


def test_the_qti_package_has_a_manifest_naming_every_file(tmp_path):
    z, _ = qti_package(tmp_path, "mixed", variants=2)  # softmax-vec draws a = 2 twice: one item
    manifest = etree.fromstring(z.read("imsmanifest.xml"))
    resources = manifest.findall(f"{CP}resources/{CP}resource")
    names = set(z.namelist())
    for res in resources:
        assert res.get("href") in names
        assert all(f.get("href") in names for f in res.findall(f"{CP}file"))
    kinds = [r.get("type") for r in resources]
    assert kinds.count("imsqti_test_xmlv2p1") == 1
    assert kinds.count("imsqti_item_xmlv2p1") == len([n for n in names if n.startswith("items/")]) == 9
    test = etree.fromstring(z.read("test.xml"))
    sections = {s.get("title"): s for s in test.iter(f"{QTI}assessmentSection")}
    drawn = sections["num-drawn"]
    assert drawn.find(f"{QTI}selection").get("select") == "1"
    assert len(drawn.findall(f"{QTI}assessmentItemRef")) == 2
    assert sections["num-fixed"].find(f"{QTI}selection") is None


class Qti:
    """Grades a response against one assessmentItem (the subset of QTI 2.1 our exporter writes)."""

    def __init__(self, data: bytes) -> None:
        self.root = etree.fromstring(data)
        self.decls = {d.get("identifier"): d for d in self.root.iter(f"{QTI}responseDeclaration")}

    def grade(self, responses: dict[str, object]) -> tuple[float, set[str]]:
        self.vars = {"SCORE": 0.0, "FEEDBACK": set(), "SOLUTION": None, **responses}
        for rule in self.root.find(f"{QTI}responseProcessing"):
            self.run(rule)
        shown = set()
        for modal in self.root.iter(f"{QTI}modalFeedback"):
            value = self.vars.get(modal.get("outcomeIdentifier"))
            member = (
                modal.get("identifier") in value
                if isinstance(value, set)
                else value == modal.get("identifier")
            )
            if member:
                shown.add("".join(modal.itertext()).strip())
        return self.vars["SCORE"], shown

    def run(self, rule) -> None:
        tag = etree.QName(rule).localname
        if tag == "setOutcomeValue":
            self.vars[rule.get("identifier")] = self.value(rule[0])
        elif tag == "responseCondition":
            for branch in rule:
                kind = etree.QName(branch).localname
                if kind == "responseElse" or self.value(branch[0]):
                    for inner in branch[0 if kind == "responseElse" else 1 :]:
                        self.run(inner)
                    return

    def value(self, expr):
        tag = etree.QName(expr).localname
        if tag == "variable":
            return self.vars.get(expr.get("identifier"))
        if tag == "baseValue":
            return float(expr.text) if expr.get("baseType") == "float" else expr.text
        if tag == "correct":
            decl = self.decls[expr.get("identifier")]
            values = [v.text for v in decl.iter(f"{QTI}value")]
            if decl.get("cardinality") == "ordered":
                return values  # order matters
            return set(values) if len(values) > 1 else values[0]
        if tag == "match":
            a, b = (self.value(e) for e in expr)
            if isinstance(a, list) and isinstance(b, list):
                return a == b
            return (set(a) if isinstance(a, set | list) else a) == (
                set(b) if isinstance(b, set | list) else b
            )
        if tag == "equal":
            a, b = (self.value(e) for e in expr)
            tol = float(expr.get("tolerance").split()[0])
            return a is not None and abs(float(a) - float(b)) <= tol
        if tag == "stringMatch":
            a, b = (self.value(e) for e in expr)
            same = expr.get("caseSensitive") == "true"
            return a is not None and (a == b if same else a.lower() == b.lower())
        if tag == "sum":
            return sum(self.value(e) for e in expr)
        if tag == "multiple":
            out = set()
            for e in expr:
                v = self.value(e)
                out |= v if isinstance(v, set) else ({v} if v is not None else set())
            return out
        if tag == "mapResponse":
            mapping = self.decls[expr.get("identifier")].find(f"{QTI}mapping")
            entries = {m.get("mapKey"): float(m.get("mappedValue")) for m in mapping}
            total = sum(
                entries.get(k, float(mapping.get("defaultValue"))) for k in self.vars[expr.get("identifier")]
            )
            return min(max(total, float(mapping.get("lowerBound"))), float(mapping.get("upperBound")))
        raise AssertionError(f"the exporter wrote {tag}, which this test does not know")


def item(z: zipfile.ZipFile, name: str) -> Qti:
    return Qti(z.read(f"items/{name}.xml"))


def test_qti_items_grade_as_our_grader_does(tmp_path):
    z, _ = qti_package(tmp_path, "mixed")
    num = item(z, "num-fixed")
    assert num.grade({"RESPONSE": "0.755"})[0] == 1.0
    score, shown = num.grade({"RESPONSE": "1.3333"})
    assert score == 0 and "That is 4/3: you divided the wrong way round." in shown
    assert "3/4 = 0.75." in shown  # the worked solution
    assert num.grade({"RESPONSE": "0.7"})[0] == 0.5
    assert num.grade({"RESPONSE": "42"})[0] == 0

    one = item(z, "pick-one")
    assert one.grade({"RESPONSE": "A"}) == (1.0, {"Yes: it maps to (0, 1)."})
    assert one.grade({"RESPONSE": "B"}) == (0.0, {"ReLU outputs can exceed 1 = not a probability."})

    many = item(z, "pick-many")
    assert many.grade({"RESPONSE": {"A", "B", "C"}})[0] == pytest.approx(1.0, abs=1e-6)
    # Net scoring, as our grader: two right and one wrong out of three right is 1/3.
    assert many.grade({"RESPONSE": {"A", "B", "D"}})[0] == pytest.approx(1 / 3, abs=1e-6)
    assert many.grade({"RESPONSE": {"A", "D"}})[0] == 0

    text = item(z, "name-it")
    assert text.grade({"RESPONSE": "huber"})[0] == 1.0
    assert text.grade({"RESPONSE": "MAE"}) == (0.0, {"MAE is linear everywhere."})

    vec = item(z, "softmax-vec")
    prompt = "".join(vec.root.find(f"{QTI}itemBody").itertext())
    a = float(re.search(r"softmax\(\[0, (\d+)\]\)", prompt).group(1))
    p0 = 1 / (1 + math.exp(a))
    assert vec.grade({"RESPONSE_1": str(p0), "RESPONSE_2": str(1 - p0)})[0] == pytest.approx(1.0)
    assert vec.grade({"RESPONSE_1": str(p0), "RESPONSE_2": "0"})[0] == pytest.approx(0.5)

    essay = item(z, "why-free").root
    assert essay.find(f".//{QTI}extendedTextInteraction") is not None
    assert "Zero gradient" in "".join(essay.find(f".//{QTI}rubricBlock").itertext())


def test_qti_markdown_becomes_xhtml_and_specials_survive(tmp_path):
    z, _ = qti_package(tmp_path, "pick-one", "num-fixed")
    body = etree.fromstring(z.read("items/pick-one.xml")).find(f"{QTI}itemBody")
    assert (
        "".join(body.find(f"{QTI}p").itertext())
        == "Which activation pairs with binary cross-entropy? {braces} and #hash: kept"
    )
    # The same course gives the same bytes (no dates, no random ids).
    again, _ = qti_package(tmp_path, "pick-one", "num-fixed")
    assert again.read("items/pick-one.xml") == z.read("items/pick-one.xml")


def test_hostile_course_text_exports_as_well_formed_xml(make_course, tmp_path):
    course = make_course(
        questions={
            "odd.yaml": r"""
            bank: odd
            title: Odd texts
            questions:
              - id: 1-odd
                type: choice
                prompt: "Escape \x1b[31mred\x1b[0m, a bell \x07 and <script>alert(1)</script> & <b>bold"
                options:
                  - {text: "A \x00 zero", correct: true, feedback: "]]> and <!-- -->"}
                  - {text: "<i>B</i>"}
            """
        }
    )
    for fmt in ("moodle-xml", "qti"):
        out = tmp_path / f"out-{fmt}"
        result = CliRunner().invoke(
            main, ["export", "--format", fmt, "odd", "--course", str(course), "-o", str(out)]
        )
        assert result.exit_code == 0, result.output
        if fmt == "moodle-xml":
            docs = [out.read_bytes()]
        else:
            z = zipfile.ZipFile(out)
            docs = [z.read(name) for name in z.namelist()]
            # An id starting with a digit is not an XML name: the QTI identifier gets a letter.
            assert etree.fromstring(z.read("items/1-odd.xml")).get("identifier") == "q1-odd"
        for doc in docs:
            root = etree.fromstring(doc)  # well-formed, whatever the course says
            assert not list(root.iter("script", f"{QTI}script"))
        text = b"".join(docs).decode("utf-8")
        assert "\x1b" not in text and "\x00" not in text
