"""Every key, in one place (? or F1)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

HELP = """\
# Keys

`esc`, `q` or `?` closes this help.

| Where | Key | What it does |
|---|---|---|
| everywhere | `?` or `F1` | this help (in an answer box `?` is typed: `F1` there) |
| everywhere | `ctrl+p` | command palette: open a lesson, start a quiz, review, change theme, quit |
| everywhere | `ctrl+q` | quit (your progress is saved after every answer) |
| course map | `↑` `↓` | choose a lesson |
| course map | `enter` | open the lesson |
| course map | `t` | take the lesson's quiz |
| course map | `c` | continue where you left off |
| course map | `r` | spaced review: the questions due now, across the course, with new numbers |
| course map | `s` | statistics: accuracy over time, weakest tags, frequent mistakes, reviews ahead, streak |
| statistics | `enter` | on a mistake: open the lesson that explains it |
| lesson | `n` / `p` | next / previous section |
| lesson | `o` | show or hide the contents |
| lesson | `tab` | move to a plot; then `←` `→` change its control, `↑` `↓` pick the control, `<` `>` move the cursor |
| lesson | `t` | take the quiz |
| lesson | `esc` | back to the course map |
| quiz | `enter` | check the answer (in a one-line answer); after a right answer, go on (or check it again if edited) |
| quiz | `ctrl+s` | check the answer (anywhere, also in editors and option lists) |
| quiz | `a`, `b`, … | pick that option in a choice question |
| quiz | `ctrl+g` | reveal the next hint (some hints cost part of the score) |
| quiz | `ctrl+o` | show the worked solution (this variant then earns no score) |
| quiz | `ctrl+r` | a fresh variant: new numbers, same question (options reordered in a choice question; a question with one version says so) |
| quiz | `ctrl+n` | next question (skips this one if unanswered) |
| quiz | `pageup` / `pagedown` | scroll the question, its feedback and solution (also from inside an editor) |
| quiz | `tab` | move between the answer, the checklist of a free response and the Check button |
| quiz | `ctrl+a` | in any answer box: select all (to replace the starter code, say); `home` goes to the line's start |
| quiz | `esc` | in the code editor: leave the editor; elsewhere: leave the quiz and see the results so far |
| results | `↑` `↓`, `enter` | open a question: your answer, its feedback and the worked solution |
| results | `r` | retake the quiz with new variants |
| results | `v` | retake only what to revisit |

# Writing math

`^` or `**` for powers · `2x` and `(1-y)(1-p)` multiply · `log` and `ln` are natural logs,
`log10`, `log(x, b)` · `exp`, `sqrt`, `abs` or `|x|`, `sign`, `max`, `min`, `tanh`, `sigmoid` or `σ` ·
`e`, `pi` · `ŷ` or `y_hat` · Greek letters as themselves or by name: `σ` or `sigma`, `η` or `eta`,
`δ` or `delta`, `γ` or `gamma`, `α` or `alpha` · a piecewise value: `x^2/2 if |x| <= d else d(|x| - d/2)`.
Below each math answer, *reads as* shows how your answer is being read, as you type.
An answer that cannot be read never counts as a try.
"""


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    HelpScreen {
        align: center middle;
    }
    HelpScreen > VerticalScroll {
        width: 90%;
        max-width: 110;
        height: 90%;
        border: round $accent;
        background: $surface;
        padding: 0 1;
    }
    """
    BINDINGS = [Binding("escape,q,question_mark,f1", "app.pop_screen", "Close")]

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Markdown(HELP)
