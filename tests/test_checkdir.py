"""`pcf check DIR`: every method, case and knowledge base under a folder, each by its kind."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pcf.commands.checkdir import check_targets
from pcf.cli import main

ROOT = Path(__file__).resolve().parent.parent
KB = ROOT / "kb"


def check(capsys, *paths) -> tuple[int, str, str]:
    code = main(["check", *map(str, paths)])
    out, err = capsys.readouterr()
    return code, out, err


def test_the_method_library_folder_checks_every_method(capsys):
    # before: the folder was read as a knowledge base, "sources.toml is missing", exit 1
    methods = sorted((ROOT / "methods").rglob("*.pcf"))
    assert len(methods) > 1
    assert check(capsys, ROOT / "methods") == (0, f"ok: {len(methods)} checked\n", "")


def test_the_examples_folder_checks_every_case(capsys):
    cases = sorted(p.parent for p in (ROOT / "examples").glob("*/case.toml"))
    assert len(cases) > 1
    assert check(capsys, ROOT / "examples") == (0, f"ok: {len(cases)} checked\n", "")


@pytest.fixture
def tree(tmp_path):
    """A project folder: a knowledge base, a method library, a case, and places not searched."""
    root = tmp_path / "project"
    shutil.copytree(KB, root / "kb", ignore=shutil.ignore_patterns("units.txt"))
    shutil.copytree(ROOT / "methods" / "gbt24067", root / "lib" / "gbt24067")
    shutil.copytree(ROOT / "examples" / "seed-003-metering-box", root / "cases" / "seed-003")
    (root / "cases" / "seed-003" / "notes.pcf").write_text("not searched: inside a case\n", encoding="utf-8")
    (root / ".hidden").mkdir()
    (root / ".hidden" / "broken.pcf").write_text("method {\n", encoding="utf-8")
    (root / "readme.toml").write_text("not an inventory: loose TOML files are not searched\n", encoding="utf-8")
    return root


def test_a_folder_is_searched_by_kind_in_path_order(tree):
    assert check_targets(tree, ROOT / "kb") == [
        ("case", tree / "cases" / "seed-003"),
        ("kb", tree / "kb"),
        ("method", tree / "lib" / "gbt24067" / "base.pcf"),
        ("method", tree / "lib" / "gbt24067" / "electrical.pcf"),
    ]


def test_a_project_folder_checks(capsys, tree):
    assert check(capsys, tree) == (0, "ok: 4 checked\n", "")


def test_a_broken_method_under_the_folder_is_reported_at_its_place(capsys, tree):
    bad = tree / "lib" / "draft" / "new.pcf"
    bad.parent.mkdir()
    bad.write_text('method new "x" {\n  emission e "e" in production = 3 kg\n}\n', encoding="utf-8")
    code, out, err = check(capsys, tree)
    assert (code, out) == (1, "")
    assert f"{bad}:2:" in err or "lib/draft/new.pcf:2:" in err, err
    assert "Traceback" not in err


def test_folders_that_are_one_thing_keep_their_meaning(tmp_path):
    # a case folder, a knowledge base and its sub-folders are checked whole, as before
    seed = ROOT / "examples" / "seed-003-metering-box"
    assert check_targets(seed, KB) == [("case", seed)]
    assert check_targets(KB, KB) == [("kb", KB)]
    assert check_targets(KB / "electricity", KB) == [("kb", KB / "electricity")]
    # a folder with none of them is a knowledge base lacking sources.toml, reported as such
    (tmp_path / "entries.toml").write_text("", encoding="utf-8")
    assert check_targets(tmp_path, KB) == [("kb", tmp_path)]


def test_an_empty_folder_still_says_what_a_knowledge_base_lacks(capsys, tmp_path):
    code, out, err = check(capsys, tmp_path)
    assert code == 1 and "sources.toml is missing" in err and "[kb-invalid]" in err
