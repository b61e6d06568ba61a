"""IMS QTI 2.1 content package: a zip with `imsmanifest.xml`, one assessmentItem per item and an
assessmentTest whose sections hold each question's variants (`selection select="1"`: every
learner gets one of them).

Texts are XHTML in the QTI namespace (our Markdown rendered by markdown-it). Numbers are
`textEntryInteraction`s of base type float checked with `equal toleranceMode="absolute"`;
mistakes and wrong options show their feedback as `modalFeedback`; the worked solution is a
modalFeedback shown once the item is answered. QTI has no plain place for our hints; they are
left out and said.
"""

from __future__ import annotations

import io
import zipfile
from typing import Any

from tutor.classroom.items import Answer, Built, Item, number, summarise, xml_safe

QTI_KINDS = {"numerical", "multichoice", "shortanswer", "essay", "cloze", "matching", "ordering"}
NS = "http://www.imsglobal.org/xsd/imsqti_v2p1"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
SCHEMA = f"{NS} http://www.imsglobal.org/xsd/qti/qtiv2p1/imsqti_v2p1p2.xsd"
CP_NS = "http://www.imsglobal.org/xsd/imscp_v1p1"
CP_SCHEMA = f"{CP_NS} http://www.imsglobal.org/xsd/imscp_v1p1.xsd"
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def ident(name: str) -> str:
    """A QTI identifier (an XML NCName) for one of our ids, which may start with a digit."""
    return name if name[:1].isalpha() else f"q{name}"


def _q(tag: str) -> str:
    return f"{{{NS}}}{tag}"


def _el(parent: Any, tag: str, text: str | None = None, **attrs: str) -> Any:
    from lxml import etree

    node = etree.SubElement(parent, _q(tag), {k.rstrip("_"): xml_safe(v) for k, v in attrs.items()})
    if text is not None:
        node.text = xml_safe(text)
    return node


def html_into(parent: Any, markdown: str) -> None:
    """Our Markdown as XHTML children of `parent`, in the QTI namespace; text that does not
    come out as well-formed XHTML goes in as a plain paragraph."""
    from lxml import etree
    from markdown_it import MarkdownIt

    markdown = xml_safe(markdown)
    html = MarkdownIt("commonmark", {"xhtmlOut": True, "html": False}).render(markdown)
    try:
        fragment = etree.fromstring(f"<div>{html}</div>")
    except etree.XMLSyntaxError:
        _el(parent, "p", markdown)
        return
    for node in fragment.iter():
        if isinstance(node.tag, str):
            node.tag = _q(node.tag)
    if fragment.text and fragment.text.strip():
        _el(parent, "p", fragment.text.strip())
    for child in fragment:
        child.tail = None
        parent.append(child)


def _declare_score(item_el: Any) -> None:
    _el(item_el, "outcomeDeclaration", identifier="SCORE", cardinality="single", baseType="float")
    default = item_el[-1]
    _el(_el(default, "defaultValue"), "value", "0")
    _el(item_el, "outcomeDeclaration", identifier="MAXSCORE", cardinality="single", baseType="float")
    _el(_el(item_el[-1], "defaultValue"), "value", "1")
    _el(item_el, "outcomeDeclaration", identifier="FEEDBACK", cardinality="multiple", baseType="identifier")
    _el(item_el, "outcomeDeclaration", identifier="SOLUTION", cardinality="single", baseType="identifier")


def _set(parent: Any, outcome: str, base_type: str, value: str) -> None:
    node = _el(parent, "setOutcomeValue", identifier=outcome)
    _el(node, "baseValue", value, baseType=base_type)


def _add_feedback(parent: Any, fid: str) -> None:
    node = _el(parent, "setOutcomeValue", identifier="FEEDBACK")
    multiple = _el(node, "multiple")
    _el(multiple, "variable", identifier="FEEDBACK")
    _el(multiple, "baseValue", fid, baseType="identifier")


def _compare(parent: Any, answer: Answer, response: str, kind: str, case_sensitive: bool) -> None:
    if kind in ("numerical", "cloze"):
        tol = number(answer.tolerance or 0.0)
        node = _el(parent, "equal", toleranceMode="absolute", tolerance=f"{tol} {tol}")
        _el(node, "variable", identifier=response)
        _el(node, "baseValue", answer.text, baseType="float")
    else:
        node = _el(parent, "stringMatch", caseSensitive="true" if case_sensitive else "false")
        _el(node, "variable", identifier=response)
        _el(node, "baseValue", answer.text, baseType="string")


def _answers_processing(
    rp: Any, item: Item, answers: list[Answer], response: str, share: float, prefix: str
) -> None:
    """One responseCondition: the first matching answer adds its credit (times `share`) and its
    feedback, as Moodle matches answers in order."""
    cond = _el(rp, "responseCondition")
    for k, answer in enumerate(answers):
        branch = _el(cond, "responseIf" if k == 0 else "responseElseIf")
        _compare(branch, answer, response, item.kind, item.case_sensitive)
        if answer.fraction:
            node = _el(branch, "setOutcomeValue", identifier="SCORE")
            total = _el(node, "sum")
            _el(total, "variable", identifier="SCORE")
            _el(total, "baseValue", repr(round(answer.fraction * share, 7)), baseType="float")
        if answer.feedback:
            _add_feedback(branch, f"{prefix}{k}")


def _match_rights(item: Item) -> list[str]:
    """A matching item's right-hand texts, each once: the pairs' and then the distractors."""
    return list(dict.fromkeys([right for _, right in item.pairs] + item.distractors))


def _item_xml(item: Item) -> bytes:
    from lxml import etree

    root = etree.Element(
        _q("assessmentItem"),
        {
            f"{{{XSI}}}schemaLocation": SCHEMA,
            "identifier": ident(item.name),
            "title": item.name,
            "adaptive": "false",
            "timeDependent": "false",
        },
        nsmap={None: NS, "xsi": XSI},
    )
    feedback: list[tuple[str, str]] = []  # (identifier, text)
    if item.kind == "multichoice":
        decl = _el(
            root,
            "responseDeclaration",
            identifier="RESPONSE",
            cardinality="single" if item.single else "multiple",
            baseType="identifier",
        )
        correct = _el(decl, "correctResponse")
        for k, a in enumerate(item.answers):
            if a.fraction > 0:
                _el(correct, "value", LETTERS[k])
        if not item.single and not item.all_or_nothing:
            mapping = _el(decl, "mapping", lowerBound="0", upperBound="1", defaultValue="0")
            for k, a in enumerate(item.answers):
                _el(mapping, "mapEntry", mapKey=LETTERS[k], mappedValue=repr(round(a.fraction, 7)))
    elif item.kind in ("numerical", "shortanswer"):
        base = "float" if item.kind == "numerical" else "string"
        decl = _el(root, "responseDeclaration", identifier="RESPONSE", cardinality="single", baseType=base)
        right = [a for a in item.answers if a.fraction == 1.0]
        if right:
            _el(_el(decl, "correctResponse"), "value", right[0].text)
    elif item.kind == "cloze":
        for k, blank in enumerate(item.blanks, start=1):
            decl = _el(
                root,
                "responseDeclaration",
                identifier=f"RESPONSE_{k}",
                cardinality="single",
                baseType="float",
            )
            _el(_el(decl, "correctResponse"), "value", blank[0].text)
    elif item.kind == "matching":
        # Left items L1.., right items R1..: each right pair earns its share, as ours does.
        decl = _el(
            root,
            "responseDeclaration",
            identifier="RESPONSE",
            cardinality="multiple",
            baseType="directedPair",
        )
        correct = _el(decl, "correctResponse")
        mapping = _el(decl, "mapping", lowerBound="0", upperBound="1", defaultValue="0")
        rights = _match_rights(item)
        for k, (_, matched) in enumerate(item.pairs, start=1):
            pair = f"L{k} R{rights.index(matched) + 1}"
            _el(correct, "value", pair)
            _el(mapping, "mapEntry", mapKey=pair, mappedValue=repr(round(1 / len(item.pairs), 7)))
    elif item.kind == "ordering":
        decl = _el(
            root, "responseDeclaration", identifier="RESPONSE", cardinality="ordered", baseType="identifier"
        )
        correct = _el(decl, "correctResponse")
        for k in range(len(item.order)):
            _el(correct, "value", f"I{k + 1}")
    else:  # essay
        _el(root, "responseDeclaration", identifier="RESPONSE", cardinality="single", baseType="string")
    _declare_score(root)

    body = _el(root, "itemBody")
    if item.kind == "essay" and (item.model_answer or item.rubric):
        rubric = _el(body, "rubricBlock", view="scorer")
        html_into(rubric, item.model_answer + "\n\n" + "\n".join(f"- {r}" for r in item.rubric))
    html_into(body, item.prompt)
    if item.kind == "multichoice":
        interaction = _el(
            body,
            "choiceInteraction",
            responseIdentifier="RESPONSE",
            shuffle="true" if item.shuffle else "false",
            maxChoices="1" if item.single else "0",
        )
        for k, a in enumerate(item.answers):
            choice = _el(interaction, "simpleChoice", identifier=LETTERS[k])
            choice.text = xml_safe(a.text)
            if a.feedback:
                feedback.append((LETTERS[k], a.feedback))
    elif item.kind in ("numerical", "shortanswer"):
        _el(_el(body, "p"), "textEntryInteraction", responseIdentifier="RESPONSE", expectedLength="20")
    elif item.kind == "cloze":
        entries = _el(body, "ol")
        for k in range(1, len(item.blanks) + 1):
            _el(
                _el(entries, "li"),
                "textEntryInteraction",
                responseIdentifier=f"RESPONSE_{k}",
                expectedLength="10",
            )
    elif item.kind == "matching":
        interaction = _el(
            body,
            "matchInteraction",
            responseIdentifier="RESPONSE",
            shuffle="true",
            maxAssociations=str(len(item.pairs)),
        )
        lefts = _el(interaction, "simpleMatchSet")
        for k, (left, _) in enumerate(item.pairs, start=1):
            _el(lefts, "simpleAssociableChoice", left, identifier=f"L{k}", matchMax="1")
        right_set = _el(interaction, "simpleMatchSet")
        for k, text in enumerate(_match_rights(item), start=1):
            _el(right_set, "simpleAssociableChoice", text, identifier=f"R{k}", matchMax="0")
    elif item.kind == "ordering":
        interaction = _el(body, "orderInteraction", responseIdentifier="RESPONSE", shuffle="true")
        for k, text in enumerate(item.order, start=1):
            _el(interaction, "simpleChoice", text, identifier=f"I{k}")
    else:
        _el(body, "extendedTextInteraction", responseIdentifier="RESPONSE", expectedLines="10")

    rp = _el(root, "responseProcessing")
    if item.kind == "multichoice":
        if item.single or item.all_or_nothing:
            cond = _el(_el(rp, "responseCondition"), "responseIf")
            match = _el(cond, "match")
            _el(match, "variable", identifier="RESPONSE")
            _el(match, "correct", identifier="RESPONSE")
            _set(cond, "SCORE", "float", "1")
        else:
            node = _el(rp, "setOutcomeValue", identifier="SCORE")
            _el(node, "mapResponse", identifier="RESPONSE")
        # The chosen options' feedback: FEEDBACK holds the chosen identifiers.
        node = _el(rp, "setOutcomeValue", identifier="FEEDBACK")
        if item.single:
            _el(_el(node, "multiple"), "variable", identifier="RESPONSE")
        else:
            _el(node, "variable", identifier="RESPONSE")
    elif item.kind in ("numerical", "shortanswer"):
        _answers_processing(rp, item, item.answers, "RESPONSE", 1.0, "ANSWER_")
        feedback += [(f"ANSWER_{k}", a.feedback) for k, a in enumerate(item.answers) if a.feedback]
    elif item.kind == "matching":
        _el(_el(rp, "setOutcomeValue", identifier="SCORE"), "mapResponse", identifier="RESPONSE")
    elif item.kind == "ordering":
        cond = _el(_el(rp, "responseCondition"), "responseIf")
        match = _el(cond, "match")
        _el(match, "variable", identifier="RESPONSE")
        _el(match, "correct", identifier="RESPONSE")
        _set(cond, "SCORE", "float", "1")
    elif item.kind == "cloze":
        for k, blank in enumerate(item.blanks, start=1):
            _answers_processing(rp, item, blank, f"RESPONSE_{k}", 1.0 / len(item.blanks), f"BLANK_{k}_")
    if item.kind != "essay":
        _set(rp, "SOLUTION", "identifier", "SOLUTION")
    for fid, text in feedback:
        modal = _el(root, "modalFeedback", outcomeIdentifier="FEEDBACK", identifier=fid, showHide="show")
        html_into(modal, text)
    if item.solution and item.kind != "essay":
        modal = _el(
            root, "modalFeedback", outcomeIdentifier="SOLUTION", identifier="SOLUTION", showHide="show"
        )
        html_into(modal, item.solution)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _test_xml(built: Built) -> bytes:
    from lxml import etree

    root = etree.Element(
        _q("assessmentTest"),
        {f"{{{XSI}}}schemaLocation": SCHEMA, "identifier": "tutor-export", "title": "Exported by tutor"},
        nsmap={None: NS, "xsi": XSI},
    )
    # The test's score: each item's SCORE (and MAXSCORE) times its weight W, summed (an item with
    # no W weighs 1), so that a question's `weight` counts in the LMS as in tutor.
    for outcome in ("SCORE", "MAXSCORE"):
        _el(root, "outcomeDeclaration", identifier=outcome, cardinality="single", baseType="float")
    part = _el(root, "testPart", identifier="part", navigationMode="nonlinear", submissionMode="individual")
    for group in built.groups:
        section = _el(
            part,
            "assessmentSection",
            identifier=f"S-{ident(group.question_id)}",
            title=group.question_id,
            visible="false",
        )
        if len(group.items) > 1:
            _el(section, "selection", select="1")
        for item in group.items:
            ref = _el(
                section, "assessmentItemRef", identifier=ident(item.name), href=f"items/{item.name}.xml"
            )
            if item.weight != 1.0:
                _el(ref, "weight", identifier="W", value=number(item.weight))
    processing = _el(root, "outcomeProcessing")
    for outcome in ("SCORE", "MAXSCORE"):
        total = _el(_el(processing, "setOutcomeValue", identifier=outcome), "sum")
        _el(total, "testVariables", variableIdentifier=outcome, weightIdentifier="W")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _manifest(built: Built) -> bytes:
    from lxml import etree

    def cp(tag: str) -> str:
        return f"{{{CP_NS}}}{tag}"

    root = etree.Element(
        cp("manifest"),
        {f"{{{XSI}}}schemaLocation": CP_SCHEMA, "identifier": "tutor-export-manifest"},
        # The QTI namespace declared on the manifest too: some importers (Canvas's among them)
        # look for it there to tell a QTI 2.1 package from a QTI 1.2 one.
        nsmap={None: CP_NS, "xsi": XSI, "imsqti": NS},
    )
    metadata = etree.SubElement(root, cp("metadata"))
    etree.SubElement(metadata, cp("schema")).text = "QTIv2.1 Package"
    etree.SubElement(metadata, cp("schemaversion")).text = "1.0.0"
    etree.SubElement(root, cp("organizations"))
    resources = etree.SubElement(root, cp("resources"))
    test = etree.SubElement(
        resources, cp("resource"), identifier="RES-test", type="imsqti_test_xmlv2p1", href="test.xml"
    )
    etree.SubElement(test, cp("file"), href="test.xml")
    for group in built.groups:
        for item in group.items:
            etree.SubElement(test, cp("dependency"), identifierref=f"RES-{ident(item.name)}")
    for group in built.groups:
        for item in group.items:
            href = f"items/{item.name}.xml"
            res = etree.SubElement(
                resources,
                cp("resource"),
                identifier=f"RES-{ident(item.name)}",
                type="imsqti_item_xmlv2p1",
                href=href,
            )
            etree.SubElement(res, cp("file"), href=href)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def write(built: Built) -> tuple[bytes, list[str]]:
    """The zip (content package) of `built`'s items, and what QTI could not keep (sentences)."""
    buffer = io.BytesIO()
    lost: dict[str, list[str]] = {}
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        # A fixed date: the same course gives the same bytes.
        def put(name: str, data: bytes) -> None:
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)

        put("imsmanifest.xml", _manifest(built))
        put("test.xml", _test_xml(built))
        for group in built.groups:
            for item in group.items:
                put(f"items/{item.name}.xml", _item_xml(item))
                if item.hints:
                    lost.setdefault("hints", []).append(item.question_id)
                if item.penalty:
                    lost.setdefault("the penalty for a further try", []).append(item.question_id)
    every = [item for group in built.groups for item in group.items]
    return buffer.getvalue(), summarise(lost, "QTI 2.1", every)
