"""Command-line pieces for commands that take an answer: answers often start with a minus.

`tutor grade ID '-2*(y - yhat)'`: click would read `-2*(y - yhat)` as a bundle of short
options (and `-h` inside it as --help). `AnswerCommand` treats every argument that is not one
of the command's own options as a positional argument, and `--` works as usual before it.
"""

from __future__ import annotations

from collections.abc import Sequence

import click

from tutor.content.printable import printable


class AnswerCommand(click.Command):
    """A click command whose positional arguments may start with `-`."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        takes_value: dict[str, bool] = {name: False for name in ctx.help_option_names}
        for param in self.params:
            if isinstance(param, click.Option):
                for name in (*param.opts, *param.secondary_opts):
                    takes_value[name] = not param.is_flag and param.nargs != 0
        options: list[str] = []
        positional: list[str] = []
        i = 0
        while i < len(args):
            arg = args[i]
            name = arg.split("=", 1)[0]
            if arg == "--":
                positional.extend(args[i + 1 :])
                break
            if arg.startswith("--") and (name in takes_value or arg[2:3].isalpha()):
                # an option of ours, or a misspelt one (`--sed`) that click then reports
                options.append(arg)
                if takes_value.get(name, False) and "=" not in arg and i + 1 < len(args):
                    options.append(args[i + 1])
                    i += 1
            elif arg in takes_value:  # a short option such as -h, exactly
                options.append(arg)
            else:
                positional.append(arg)
            i += 1
        return super().parse_args(ctx, [*options, "--", *positional])


def report_course_problems(problems: Sequence[object]) -> None:
    """Print `tutor check`'s messages for a question that cannot be used, and exit 1."""
    for problem in problems:
        echo(problem, err=True)
    echo("(the course has problems; run `tutor check` for all of them)", err=True)
    raise click.exceptions.Exit(1)


def echo(message: object = "", err: bool = False, nl: bool = True) -> None:
    """`click.echo` for what tutor shows (not for data it writes): control characters from a
    file never reach the terminal (`tutor.content.printable`)."""
    click.echo(printable(str(message)), err=err, nl=nl)
