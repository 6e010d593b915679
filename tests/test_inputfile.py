"""Inputs stay inside their roots (inputfile.py): CSV sheets and side files are regular files
inside their folder, read without blocking, under a size cap; nothing outside is echoed."""
from __future__ import annotations

import os
import shutil
import signal
import time
from pathlib import Path

import pytest

from pcf.files import limits
from pcf.cli import main
from pcf.core.errors import PcfError, render
from pcf.knowledge.kb import load_kb

from test_outputs import world  # noqa: F401  (the fixture: a case with a CSV-sheet inventory)

ROOT = Path(__file__).resolve().parent.parent
PASSWD = Path("/etc/passwd")


@pytest.fixture
def alarm():
    """Fail instead of hanging: a read that blocks (a FIFO) is interrupted after 10 s."""
    def ring(*_):
        raise TimeoutError("blocked reading an input")
    old = signal.signal(signal.SIGALRM, ring)
    signal.alarm(10)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, old)


def refused(ws, case: str = "case"):
    with pytest.raises(PcfError) as exc:
        ws.run_case(case)
    (d,) = exc.value.diagnostics
    return d, render([d])


def replace_sheet(make) -> Path:
    sheet = Path("case/inventory/legs.csv")
    sheet.unlink()
    make(sheet)
    return sheet


def test_a_sheet_linked_outside_is_refused_unread(ws, world, alarm):
    replace_sheet(lambda p: p.symlink_to(PASSWD))
    d, text = refused(ws)
    assert d.code == "input-file" and d.span is None and d.path == "case/inventory/legs.csv"
    assert "CSV sheet `legs.csv` is a link to a file outside case/inventory" in d.message
    lines = [line for line in PASSWD.read_text(encoding="utf-8", errors="replace").splitlines() if line.strip()]
    assert lines and not any(line in text for line in lines)   # before: its lines were echoed


def test_a_sheet_linked_to_dev_zero_is_refused_at_once(ws, world, alarm):
    replace_sheet(lambda p: p.symlink_to("/dev/zero"))
    t = time.perf_counter()
    d, _ = refused(ws)
    assert time.perf_counter() - t < 2   # before: read until memory ran out
    assert d.code == "input-file" and "outside" in d.message


def test_a_fifo_sheet_is_refused_without_waiting(ws, world, alarm):
    replace_sheet(lambda p: os.mkfifo(p))
    d, _ = refused(ws)   # before: blocked forever, waiting for a writer
    assert d.code == "input-file" and d.message == "CSV sheet `legs.csv` is a FIFO (named pipe), not a regular file"


def test_a_sheet_over_the_cap_is_refused(ws, world, monkeypatch):
    monkeypatch.setattr(limits, "CSV_FILE_BYTES", 100)
    d, _ = refused(ws)
    assert d.code == "input-file" and "is larger than its cap of 100 bytes" in d.message


def test_a_link_that_stays_inside_the_folder_is_read(ws, world):
    before = [round(p.total, 4) for p in ws.run_case("case").products]
    sheet = Path("case/inventory/legs.csv")
    shutil.move(sheet, "case/inventory/legs.data")
    sheet.symlink_to("legs.data")
    assert [round(p.total, 4) for p in ws.run_case("case").products] == before == [11.0502, 3.3928]


@pytest.mark.parametrize("make, expected", [
    (lambda p: p.symlink_to(PASSWD), "is a link to a file outside case"),
    (lambda p: os.mkfifo(p), "is a FIFO (named pipe)"),
    (lambda p: p.mkdir(), "is a folder"),
])
def test_the_uncertainty_side_file_is_checked(world, capsys, alarm, make, expected):
    make(Path("case/uncertainty.toml"))
    assert main(["--library-kb", "kb", "uncertainty", "case", "--draws", "20"]) == 1
    err = capsys.readouterr().err
    assert f"case/uncertainty.toml: uncertainty.toml {expected}" in err and "[input-file]" in err
    assert "root:" not in err


def test_an_explicit_spec_that_is_a_fifo_is_refused(world, capsys, alarm):
    os.mkfifo("spec.toml")
    assert main(["--library-kb", "kb", "uncertainty", "case", "--draws", "20", "--spec", "spec.toml"]) == 1
    assert "spec.toml: uncertainty spec is a FIFO (named pipe), not a regular file [input-file]" in capsys.readouterr().err


def test_a_workbook_that_is_a_fifo_is_refused(here, capsys, alarm):
    os.mkfifo("inventory.xlsx")
    assert main(["check", "inventory.xlsx"]) == 1
    assert "inventory.xlsx: workbook is a FIFO (named pipe), not a regular file [input-file]" in capsys.readouterr().err


def test_a_fifo_in_the_knowledge_base_is_refused_without_waiting(ws, here, alarm):
    Path("kb").mkdir()
    shutil.copy(ROOT / "kb" / "sources.toml", "kb")
    os.mkfifo("kb/x.toml")
    with pytest.raises(PcfError) as exc:   # with the cache: its key reads every file too
        load_kb(Path("kb"), ws.units)
    (d,) = exc.value.diagnostics
    assert (d.code, d.path, d.message) == ("input-file", "kb/x.toml",
                                           "knowledge-base file is a FIFO (named pipe), not a regular file")


def test_pcf_check_of_a_fifo_named_as_toml_is_refused_without_waiting(here, alarm):
    """`pcf check x.toml` on a FIFO used to wait for a writer forever (tomlfile.read_toml)."""
    os.mkfifo("x.toml")
    from pcf.files.tomlfile import read_toml
    with pytest.raises(PcfError) as e:
        read_toml(Path("x.toml"))
    (d,) = e.value.diagnostics
    assert d.code == "input-file" and "FIFO" in d.message
