"""Lazy imports (issue 25): each command loads only the libraries it uses.

Not a timed test (bench/startup.py measures the times): each case runs the command in a
fresh interpreter and lists which heavy modules ended up in `sys.modules`.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEED = "examples/seed-003-metering-box"

HEAVY = ("pint", "numpy", "lark", "networkx", "matplotlib", "matplotlib.pyplot", "jinja2", "jsonschema",
         "openpyxl", "dask", "dask.array", "dask.dataframe", "distributed", "pandas", "scipy")

_PROBE = """
import json, sys
from pcf.cli import main
try:
    code = main(sys.argv[1:])
except SystemExit as exc:   # argparse's --help
    code = exc.code
print(json.dumps({"code": code, "loaded": [m for m in %r if m in sys.modules]}))
""" % (HEAVY,)


def loaded_by(*argv: str, tmp_path: Path) -> set[str]:
    proc = subprocess.run([sys.executable, "-c", _PROBE, *argv], cwd=ROOT, capture_output=True, text=True,
                          env={**_env(), "XDG_CACHE_HOME": str(tmp_path / "cache")}, timeout=120)
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["code"] == 0, proc.stderr
    return set(out["loaded"])


def _env() -> dict[str, str]:
    import os
    return {k: v for k, v in os.environ.items() if not k.startswith("PCF_")}


def test_help_loads_no_heavy_library(tmp_path):
    # argparse and pcf's own small modules only: no units, arrays, grammar or graph library
    assert loaded_by("--help", tmp_path=tmp_path) == set()


@pytest.mark.parametrize("argv", [
    ("run", SEED),
    ("check", "methods/gbt24067/electrical.pcf"),
    ("explain", SEED),
])
def test_everyday_commands_load_no_graph_chart_template_or_spreadsheet_library(tmp_path, argv):
    loaded = loaded_by(*argv, tmp_path=tmp_path)
    assert {"pint", "numpy", "lark"} <= loaded          # the probe sees what a run needs
    # networkx only where a graph algorithm runs, matplotlib only for charts, jinja2 only for
    # reports, openpyxl only for workbooks, jsonschema never at run time, dask only with --dask
    # (pint <= 0.25.3 imports dask.base when dask is installed: the CLI hides dask from that one
    # import, core/pintimport.py, so dask and the jinja2 it brings are not loaded either)
    assert loaded == {"pint", "numpy", "lark"}


@pytest.mark.parametrize("argv", [
    ("run", SEED),
    ("check", "methods/gbt24067/electrical.pcf"),
    ("explain", SEED),
])
def test_a_warm_command_loads_no_heavy_library(tmp_path, argv):
    # the first run keeps the parsed units (core/unitcache.py) and the parse's tables
    # (language/tablecache.py); the next needs neither pint nor lark, and one product without
    # row tables is all floats: no numpy either (core/arrays.py)
    assert "lark" in loaded_by(*argv, tmp_path=tmp_path)
    assert loaded_by(*argv, tmp_path=tmp_path) == set()


@pytest.mark.parametrize("argv", [
    ("run", "examples/worked-beverage"),
    ("audit", "examples/seed-004-distribution-units"),
])
def test_row_tables_load_numpy(tmp_path, argv):
    # a table's columns are arrays: the same warm command with row tables does import numpy
    loaded_by(*argv, tmp_path=tmp_path)
    assert loaded_by(*argv, tmp_path=tmp_path) == {"numpy"}


def test_report_loads_its_template_library_only(tmp_path):
    # the HTML report's stage chart is written as SVG directly (render/barchart.py): no matplotlib
    loaded = loaded_by("report", SEED, "--format", "html", "-o", str(tmp_path / "r.html"), tmp_path=tmp_path)
    assert "jinja2" in loaded
    assert not loaded & {"matplotlib", "networkx", "openpyxl", "jsonschema", "distributed", "dask.array", "pandas"}
    # warm, and without row tables: not even numpy
    assert loaded_by("report", SEED, "--format", "html", "-o", str(tmp_path / "r.html"),
                     tmp_path=tmp_path) == {"jinja2"}


def test_the_word_report_draws_its_chart_with_matplotlib(tmp_path):
    loaded = loaded_by("report", SEED, "--format", "docx", "-o", str(tmp_path / "r.docx"), tmp_path=tmp_path)
    assert "matplotlib" in loaded       # Word takes no SVG: its chart is a PNG


def test_the_cli_imports_pint_without_dask_and_dask_still_works(tmp_path):
    probe = ("import sys, json; from pcf.cli import main; main(['check', 'methods/gbt24067/electrical.pcf']); "
             "import pint.compat, dask, dask.array as da; "
             "print(json.dumps([pint.compat.HAS_DASK, int(da.ones(4, chunks=2).sum().compute())]))")
    proc = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True,
                          env={**_env(), "XDG_CACHE_HOME": str(tmp_path / "cache")}, timeout=120)
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == [False, 4], proc.stderr


def test_a_library_import_leaves_pint_alone():
    # `import pcf` in a user's program: pint imported as it is (with its dask support when dask is there)
    proc = subprocess.run([sys.executable, "-c", "import pcf, importlib.util; pcf.Workspace.load(); import pint.compat; "
                           "print(pint.compat.HAS_DASK == (importlib.util.find_spec('dask') is not None))"],
                          cwd=ROOT, capture_output=True, text=True, env=_env(), timeout=120)
    assert proc.stdout.strip() == "True", proc.stderr


def test_a_graph_is_built_when_asked_for(tmp_path):
    # the laziness is not a loss: the plan's networkx graph is there for `pcf graph`
    assert "networkx" in loaded_by("graph", "gbt24067.electrical", tmp_path=tmp_path)
