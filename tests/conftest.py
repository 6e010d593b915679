"""Shared test fixtures.

Golden files (tests/golden/) pin what people read: rendered errors, result tables, JSON.
`pytest --update-golden` rewrites them from the current output; review the diff before
committing it.
"""
from __future__ import annotations

from pathlib import Path

import pytest

GOLDEN_DIR = Path(__file__).resolve().parent / "golden"


def pytest_addoption(parser):
    parser.addoption("--update-golden", action="store_true", default=False,
                     help="rewrite tests/golden/ files from the current output instead of comparing")


@pytest.fixture(autouse=True, scope="session")
def _session_kb_cache(tmp_path_factory):
    """Keep the compiled-KB cache of test runs out of the user's ~/.cache/pcf.

    The cache keeps one file per KB folder and working directory, and many tests run in a
    fresh temporary folder: without this every run would leave dozens of files behind.
    A test may still set its own XDG_CACHE_HOME with monkeypatch.
    """
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("xdg-cache")))
        yield


@pytest.fixture
def golden(request):
    """`golden(relative_path, text)`: compare `text` with tests/golden/<relative_path>.

    With `--update-golden` the file is (re)written instead, and the test passes.
    """
    update = request.config.getoption("--update-golden")

    def check(relative_path: str, text: str) -> None:
        path = GOLDEN_DIR / relative_path
        # A golden path must stay under tests/golden/, whatever the caller passes.
        assert path.resolve().is_relative_to(GOLDEN_DIR.resolve()), relative_path
        if update:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8", newline="\n")
            return
        if not path.is_file():
            pytest.fail(f"golden file tests/golden/{relative_path} is missing: "
                        "run `pytest --update-golden` and review the new file")
        expected = path.read_text(encoding="utf-8")
        assert text == expected, f"output differs from tests/golden/{relative_path} " \
                                 "(if the change is intended: pytest --update-golden, then review the diff)"

    return check


@pytest.fixture(scope="session")
def ws():
    """The default workspace (units, knowledge base, method library), loaded once per run."""
    import pcf
    return pcf.Workspace.load()


@pytest.fixture
def here(tmp_path, monkeypatch):
    """A temporary working directory, so that paths in messages are short and stable."""
    monkeypatch.chdir(tmp_path)
    return tmp_path
