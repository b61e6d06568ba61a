"""What the sandbox is given to run, and what happens when bubblewrap is there but fails.

A system interpreter (prefix /usr: Debian's /usr/bin/python3, and a `python3 -m venv` made by
it) must be bound into the sandbox like any other; and a sandbox that bubblewrap cannot start is
said, never a quiet run of code without it.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from tutor.cli import main
from tutor.grading import sandbox

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="bubblewrap is Linux only")


@pytest.fixture(autouse=True)
def _fresh(monkeypatch: pytest.MonkeyPatch) -> object:
    getattr(sandbox._runtime_binds, "cache_clear", lambda: None)()
    yield
    monkeypatch.undo()
    getattr(sandbox._runtime_binds, "cache_clear", lambda: None)()
    sandbox.status(refresh=True)


def _bound(argv: list[str]) -> list[str]:
    """Sandbox paths of every read-only bind in a bubblewrap command line."""
    return [argv[i + 2] for i, word in enumerate(argv) if word in ("--ro-bind", "--ro-bind-try")]


def _visible(path: Path, argv: list[str]) -> bool:
    return any(path.is_relative_to(inside) for inside in _bound(argv))


def test_a_system_interpreter_is_bound_into_the_sandbox(monkeypatch: pytest.MonkeyPatch) -> None:
    # A /usr-prefixed interpreter whose binary is not under /usr/lib (as /usr/bin/python3.11 is
    # not): stand in for it with a file every system has.
    binary = Path("/usr/bin/env").resolve()
    monkeypatch.setattr(sys, "base_prefix", "/usr")
    monkeypatch.setattr(sys, "base_exec_prefix", "/usr")
    monkeypatch.setattr(sandbox, "_python", lambda: binary)
    argv = sandbox.bwrap_argv("bwrap")
    assert argv[argv.index("--") + 1] == str(binary)
    assert _visible(binary, argv), f"{binary} is executed but not bound: {_bound(argv)}"


def test_everything_the_interpreter_is_started_from_is_bound() -> None:
    # Whatever interpreter runs these tests (CI runs them under a pyenv Python and Debian's).
    argv = sandbox.bwrap_argv("bwrap")
    python = Path(argv[argv.index("--") + 1])
    assert _visible(python, argv)
    import numpy

    assert _visible(Path(numpy.__file__).resolve(), argv)


def test_a_library_reached_through_a_link_outside_usr_lib_is_bound(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # Debian's /usr/lib/x86_64-linux-gnu/libblas.so.3 -> /etc/alternatives/... -> /usr/lib/...
    real = tmp_path / "real" / "libfake.so.3"
    real.parent.mkdir()
    real.write_bytes(b"\x7fELF")
    alternative = tmp_path / "alternatives" / "libfake.so.3"
    alternative.parent.mkdir()
    alternative.symlink_to(real)
    monkeypatch.setattr(sandbox, "_loaded_objects", lambda: [alternative])
    argv = sandbox.bwrap_argv("bwrap")
    assert _visible(alternative, argv) and _visible(real, argv), _bound(argv)


def test_packages_of_this_process_are_not_bound() -> None:
    # The app's own packages (yaml's C extension, pydantic's...) are loaded here; only numpy is
    # shown to code answers.
    import yaml

    argv = sandbox.bwrap_argv("bwrap")
    assert not _visible(Path(yaml.__file__).resolve().parent, argv), _bound(argv)


@pytest.fixture
def broken_bwrap(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A `bwrap` on PATH that is installed but cannot start a sandbox."""
    fake = tmp_path / "bin" / "bwrap"
    fake.parent.mkdir()
    fake.write_text(
        "#!/bin/sh\necho 'bwrap: execvp /usr/bin/python3.11: No such file or directory' >&2\nexit 1\n"
    )
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake.parent}:/usr/bin:/bin")
    monkeypatch.setenv(sandbox.ENV_POLICY, "auto")
    return fake


@linux_only
def test_a_bubblewrap_that_fails_refuses_code_and_says_so(broken_bwrap: Path) -> None:
    found = sandbox.status(refresh=True)
    assert not found.sandboxed
    assert not found.allowed, "code would run without the sandbox, quietly"
    assert found.notice is not None and "execvp /usr/bin/python3.11" in found.notice
    assert f"{sandbox.ENV_POLICY}=none" in found.reason  # how to choose to run without it


@linux_only
def test_tutor_grade_says_the_sandbox_failed(broken_bwrap: Path) -> None:
    sandbox.status(refresh=True)
    answer = "import numpy as np\ndef logsumexp(z):\n    m = np.max(z)\n    return m + np.log(np.sum(np.exp(z - m)))\n"
    result = CliRunner().invoke(main, ["grade", "softmax-logsumexp-code", answer])
    assert "cannot start a sandbox" in result.output, result.output
    assert "correct" not in result.output.lower().replace("incorrect", ""), result.output


@linux_only
def test_none_still_runs_without_it(broken_bwrap: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(sandbox.ENV_POLICY, "none")
    found = sandbox.status(refresh=True)
    assert found.allowed and not found.sandboxed
