"""Outputs (outputs.py, atomic.py): never over anything the run read, never onto a device, a
FIFO or a folder, a clear error for names the system cannot hold, and the umask's mode."""
from __future__ import annotations

import csv
import hashlib
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from pcf.files import atomic
from pcf.cli import main

from test_spreadsheet import xlsx_case  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "examples" / "seed-004-distribution-units"


@pytest.fixture
def world(here):
    """A case whose inventory is a folder of CSV sheets, a copy of the KB and of the method
    library beside it (an output wrongly allowed would replace the copy, never the repository's)."""
    case = xlsx_case(here)
    folder = case / "inventory"
    folder.mkdir()
    for sheet in openpyxl.load_workbook(case / "inventory.xlsx").worksheets:
        with (folder / f"{sheet.title}.csv").open("w", encoding="utf-8", newline="") as fh:
            csv.writer(fh).writerows([["" if v is None else v for v in r] for r in sheet.iter_rows(values_only=True)])
    (case / "inventory.xlsx").unlink()
    toml = (case / "case.toml").read_text(encoding="utf-8").replace('"inventory.xlsx"', '"inventory"')
    (case / "case.toml").write_text(toml, encoding="utf-8")
    shutil.copytree(ROOT / "kb", here / "kb")
    return here


def digest(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and not p.is_symlink()}


@pytest.fixture
def no_writes(monkeypatch):
    """Record instead of writing, so that a guard that fails cannot damage anything."""
    written: list[Path] = []
    monkeypatch.setattr(atomic, "replace_file", lambda target, raw, mode=None: written.append(target))
    return written


def link(name: str, to: Path) -> Path:
    Path(name).symlink_to(to.resolve())
    return Path(name)


def hard(name: str, to: Path) -> Path:
    os.link(to, name)
    return Path(name)


# target -> (how to make it, text the error must contain)
TARGETS = {
    "case.toml": (lambda: Path("case/case.toml"), "case/case.toml, which this run read"),
    "a CSV sheet": (lambda: Path("case/inventory/legs.csv"), "legs.csv, which this run read"),
    "a link to a CSV sheet": (lambda: link("out.csv", Path("case/inventory/legs.csv")), "legs.csv, which this run read"),
    "a hard link of a CSV sheet": (lambda: hard("out.csv", Path("case/inventory/legs.csv")), "legs.csv, which this run read"),
    "a new file in the inventory folder": (lambda: Path("case/inventory/report.csv"), "inside case/inventory"),
    "a KB file": (lambda: Path("kb/gwp/ipcc.toml"), "kb/gwp/ipcc.toml, which this run read"),
    "a link to a KB file": (lambda: link("out.html", Path("kb/gwp/ipcc.toml")), "kb/gwp/ipcc.toml, which"),
    "kb/sources.toml": (lambda: Path("kb/sources.toml"), "kb/sources.toml, which this run read"),
    "a new file in the KB": (lambda: Path("kb/report.html"), "inside kb, which this run reads whole"),
    "the unit definitions": (lambda: link("out.html", ROOT / "kb" / "units.txt"), "kb/units.txt, which this run read"),
    "a base method": (lambda: ROOT / "methods" / "iso14067" / "base.pcf", "iso14067/base.pcf, which this run read"),
    "a link to a base method": (lambda: link("out.html", ROOT / "methods" / "iso14067" / "base.pcf"),
                                "iso14067/base.pcf, which this run read"),
    "/dev/null": (lambda: Path("/dev/null"), "is a device"),
    "a FIFO": (lambda: (os.mkfifo("fifo"), Path("fifo"))[1], "is a FIFO"),
    "a folder": (lambda: (os.mkdir("folder"), Path("folder"))[1], "is a folder"),
    "a link to a folder": (lambda: link("out", ROOT), "is a folder"),
    "a 300-character name": (lambda: Path("r" * 296 + ".csv"), "300 bytes long"),
    "a missing folder": (lambda: Path("nowhere/out.csv"), "no folder nowhere"),
}


@pytest.mark.parametrize("command, target", [("report", t) for t in sorted(TARGETS)]
                         + [("export", t) for t in ("a CSV sheet", "a link to a base method", "/dev/null")])
def test_an_output_over_an_input_is_refused(world, no_writes, capsys, command, target):
    make, expected = TARGETS[target]
    path = make()
    before = digest(world), digest(ROOT / "methods"), (ROOT / "kb" / "units.txt").read_bytes()
    assert main(["--library-kb", "kb", command, "case", "-o", str(path)]) == 1
    err = capsys.readouterr().err
    assert f"{path}: " in err and expected in err
    assert "[output]" in err and "internal error" not in err
    assert no_writes == []
    assert (digest(world), digest(ROOT / "methods"), (ROOT / "kb" / "units.txt").read_bytes()) == before


def test_a_new_output_is_written(world, capsys):
    assert main(["--library-kb", "kb", "export", "case", "-o", "lines.csv"]) == 0
    assert "wrote lines.csv" in capsys.readouterr().err and Path("lines.csv").read_text(encoding="utf-8")


@pytest.mark.parametrize("target, expected", [("catalogue.toml", "catalogue.toml, which this run read"),
                                              ("kb/gwp/ipcc.toml", "ipcc.toml, which this run read"),
                                              ("/dev/null", "is a device")])
def test_batch_output_is_guarded(world, no_writes, capsys, target, expected):
    shutil.copy(ROOT / "examples" / "seed-003-metering-box" / "inventory.toml", "catalogue.toml")
    before = digest(world)
    assert main(["--library-kb", "kb", "batch", "gbt24067.electrical", "catalogue.toml", "--data-year", "2024",
                 "-o", target]) == 1
    err = capsys.readouterr().err
    assert expected in err and "[output]" in err and no_writes == [] and digest(world) == before


@pytest.mark.parametrize("command", ["sensitivity", "uncertainty"])
def test_svg_outputs_are_guarded(world, no_writes, capsys, command):
    extra = ["--draws", "50"] if command == "uncertainty" else []
    assert main(["--library-kb", "kb", command, "case", *extra, "--svg", "case/inventory/legs.csv"]) == 1
    assert "which this run read" in capsys.readouterr().err and no_writes == []


@pytest.mark.parametrize("command", ["sensitivity", "uncertainty"])
def test_a_product_id_that_cannot_name_a_file(here, capsys, command):
    """Several products give one chart each, named after the product: `A/1` cannot be one."""
    case = here / "case"
    case.mkdir()
    inventory = (SEED / "inventory.toml").read_text(encoding="utf-8").replace('id = "A"', 'id = "A/1"', 1)
    (case / "inventory.toml").write_text(inventory, encoding="utf-8")
    (case / "case.toml").write_text('method = "iso14067.machinery_transport"\ninventory = "inventory.toml"\n'
                                    'data_year = 2023\n', encoding="utf-8")
    extra = ["--draws", "50"] if command == "uncertainty" else []
    assert main([command, "case", *extra, "--svg", "chart.svg"]) == 1   # before: exit 70 (ValueError)
    err = capsys.readouterr().err
    assert "product id `A/1` cannot be part of a file name [output]" in err
    assert not list(here.glob("*.svg"))


# --- modes ---------------------------------------------------------------------------------------

WRITE = "from pcf.files.atomic import write_atomic; write_atomic({path!r}, 'x')"


@pytest.mark.parametrize("umask, mode", [("022", 0o644), ("077", 0o600), ("027", 0o640)])
def test_written_files_respect_the_umask(tmp_path, umask, mode):
    """Before, every output was 0600 (mkstemp's mode, whatever the umask)."""
    path = tmp_path / "out.txt"
    subprocess.run(["sh", "-c", f'umask {umask} && exec "$0" -c "$1"', sys.executable, WRITE.format(path=str(path))],
                   check=True, cwd=ROOT)
    assert stat.S_IMODE(os.stat(path).st_mode) == mode
    out = subprocess.run(["stat", "-c", "%a", str(path)], capture_output=True, text=True, check=True).stdout
    assert out.strip() == f"{mode:o}"


def test_a_replaced_file_keeps_its_mode(tmp_path):
    path = tmp_path / "out.txt"
    path.write_text("old", encoding="utf-8")
    path.chmod(0o640)
    subprocess.run(["sh", "-c", 'umask 077 && exec "$0" -c "$1"', sys.executable, WRITE.format(path=str(path))],
                   check=True, cwd=ROOT)
    assert path.read_text(encoding="utf-8") == "x" and stat.S_IMODE(path.stat().st_mode) == 0o640


def test_the_umask_is_read_without_changing_it():
    old = os.umask(0o027)
    try:
        assert atomic.current_umask() == 0o027 and os.umask(0o027) == 0o027
    finally:
        os.umask(old)


def test_init_with_a_name_the_system_cannot_hold(here, capsys):
    assert main(["init", "c" * 300, "--method", "gbt24067.electrical"]) == 1   # before: exit 70
    assert "cannot make the case folder (File name too long) [output]" in capsys.readouterr().err
