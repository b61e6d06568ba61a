"""The class report as one self-contained HTML page: inline CSS and SVG plots, no script, no
remote file, every text from the exports escaped (a learner's raw answer is anyone's text)."""

from __future__ import annotations

from html import escape
from typing import Any

from tutor.classroom.report import BANDS, fixed
from tutor.content.words import plural

_CSS = """
body { font: 15px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 72rem; padding: 0 1rem; }
body { color: #1d1d1f; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.2rem; margin-top: 2rem; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { border-bottom: 1px solid #ddd; padding: 4px 6px; text-align: left; vertical-align: top; }
th { background: #f4f4f6; position: sticky; top: 0; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
.low { color: #b00020; font-weight: 600; } .muted { color: #777; }
svg text { font: 11px system-ui, sans-serif; fill: #333; }
.plots { display: flex; flex-wrap: wrap; gap: 2rem; }
"""


def _num(value: Any, digits: int = 2) -> str:
    return fixed(value, digits)


def _scatter(questions: list[dict[str, Any]]) -> str:
    """Facility (x) against discrimination (y), a dot per question, its id in a tooltip."""
    w, h, pad = 420, 300, 40
    parts = [f'<svg width="{w}" height="{h}" role="img" aria-label="facility against discrimination">']
    parts.append(
        f'<rect x="{pad}" y="10" width="{w - pad - 10}" height="{h - pad - 10}" '
        'fill="#fafafa" stroke="#ccc"/>'
    )

    def x(f: float) -> float:
        return pad + f * (w - pad - 10)

    def y(d: float) -> float:
        return 10 + (1 - (d + 1) / 2) * (h - pad - 10)

    for tick in (0, 0.5, 1):
        parts.append(f'<text x="{x(tick) - 6:.0f}" y="{h - pad + 16}">{tick:g}</text>')
    for tick in (-1, 0.2, 1):
        parts.append(f'<text x="18" y="{y(tick) + 4:.0f}">{tick:g}</text>')
    parts.append(
        f'<line x1="{pad}" x2="{w - 10}" y1="{y(0.2):.1f}" y2="{y(0.2):.1f}" '
        'stroke="#e0a000" stroke-dasharray="4 3"/>'
    )
    parts.append(f'<text x="{w / 2 - 40:.0f}" y="{h - 6}">facility (first try right)</text>')
    parts.append(f'<text transform="translate(12 {h / 2 + 30:.0f}) rotate(-90)">discrimination</text>')
    for q in questions:
        if q["facility"] is None or q["discrimination"] is None:
            continue
        colour = "#b00020" if q["discrimination"] < 0.2 else "#2060c0"
        tip = escape(
            f"{q['question']}: facility {fixed(q['facility'])}, discrimination {fixed(q['discrimination'])}"
        )
        parts.append(
            f'<circle cx="{x(q["facility"]):.1f}" cy="{y(q["discrimination"]):.1f}" r="4" fill="{colour}" '
            f'fill-opacity="0.7"><title>{tip}</title></circle>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _bands(lesson: dict[str, Any]) -> str:
    """A small bar chart of how many learners fall in each mastery band."""
    w, h = 260, 120
    counts = [lesson["bands"][b] for b in BANDS]
    top = max(counts) or 1
    bar = (w - 20) / len(counts)
    parts = [
        f'<svg width="{w}" height="{h + 30}" role="img" aria-label="mastery of {escape(lesson["lesson"])}">'
    ]
    for k, (band, n) in enumerate(zip(BANDS, counts, strict=True)):
        height = (h - 20) * n / top
        x = 10 + k * bar
        parts.append(
            f'<rect x="{x + 3:.1f}" y="{h - height:.1f}" width="{bar - 6:.1f}" height="{height:.1f}" '
            'fill="#2f8f5b">'
            f"<title>{escape(band)}: {plural(n, 'learner')}</title></rect>"
        )
        parts.append(f'<text x="{x + 4:.1f}" y="{h - height - 4:.1f}">{n}</text>')
        parts.append(f'<text x="{x + 2:.1f}" y="{h + 14}">{escape(band.split("–")[0])}</text>')
    parts.append(f'<text x="10" y="{h + 28}">{escape(lesson["lesson"])}</text></svg>')
    return "".join(parts)


def render(report: dict[str, Any], title: str = "Class report") -> str:
    q_rows = []
    for q in report["questions"]:
        low = q["discrimination"] is not None and q["discrimination"] < 0.2
        notes = ", ".join(f"{escape(n['note'])} ({n['count']})" for n in q["top_notes"])
        wrong = ", ".join(
            f"<code>{escape(w['answer'])}</code> ({w['count']})" for w in q["top_wrong_answers"]
        )
        q_rows.append(
            "<tr>"
            f"<td>{escape(q['question'])}</td><td>{escape(q['lesson'] or '')}</td>"
            f'<td class="n">{q["attempts"]}</td><td class="n">{q["learners"]}</td>'
            f'<td class="n">{_num(q["facility"])}</td>'
            f'<td class="n{" low" if low else ""}">{_num(q["discrimination"])}</td>'
            f'<td class="n">{_num(q["median_seconds"], 0)}</td>'
            f"<td>{notes}</td><td>{wrong}</td></tr>"
        )
    l_rows = []
    for lesson in report["lessons"]:
        cells = "".join(f'<td class="n">{lesson["bands"][b]}</td>' for b in BANDS)
        l_rows.append(
            f'<tr><td>{escape(lesson["lesson"])}</td><td class="n">{lesson["learners"]}</td>'
            f'<td class="n">{_num(lesson["mean_mastery"])}</td>'
            f'<td class="n">{_num(lesson["median_mastery"])}</td>'
            f"{cells}</tr>"
        )
    dropped = report["rows_read"] - report["rows_used"]
    summary = (
        f"{report['rows_used']:,} attempts by {report['learners']:,} learners on "
        f"{plural(len(report['questions']), 'question')}, from {plural(len(report['files']), 'export')}"
        + (f"; {plural(dropped, 'row')} skipped (not attempts, or repeated)" if dropped else "")
    )
    band_heads = "".join(f"<th>{escape(b)}</th>" for b in BANDS)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title><style>{_CSS}</style></head>
<body>
<h1>{escape(title)}</h1>
<p>{escape(summary)}.</p>
<p class="muted">Facility: share of learners right on their first try. Discrimination: point-biserial
correlation between that and the learner's total on the other questions; below 0.2 (red) the question
does not separate strong from weak learners, below 0 it favours the weak. Mastery: a learner's mean best
score over a lesson's questions.</p>
<h2>Questions</h2>
<div class="plots">{_scatter(report["questions"])}</div>
<table><thead><tr><th>question</th><th>lesson</th><th>attempts</th><th>learners</th><th>facility</th>
<th>discrimination</th><th>median s</th><th>most frequent notes</th>
<th>most frequent wrong answers</th></tr></thead>
<tbody>{"".join(q_rows)}</tbody></table>
<h2>Lessons: mastery</h2>
<div class="plots">{"".join(_bands(lesson) for lesson in report["lessons"])}</div>
<table><thead><tr><th>lesson</th><th>learners</th><th>mean</th><th>median</th>{band_heads}</tr></thead>
<tbody>{"".join(l_rows)}</tbody></table>
</body></html>
"""
