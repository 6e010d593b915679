"""The error catalogue (pcf.core.errors.CATALOGUE): every code is produced by some input, and
every code the engine can produce is catalogued.

`PRODUCERS` holds one small input per code; the test is parametrized over the catalogue,
so a new code without an input here fails. Each produced diagnostic must render as
`file:line:col: message [code]` (or `file: message [code]` where there is no line to name,
as for a file that cannot be read) and carry the hint listed, where one is listed.
"""
from __future__ import annotations

import ast
import os
import re
import textwrap
from pathlib import Path

import pytest

import pcf
from pcf.language.build import build_method
from pcf.core.errors import CATALOGUE, PcfError, render
from pcf.knowledge.kb import load_kb
from pcf.files.outputs import ReadSet, check_output
from pcf.analysis.uncertainty import load_spec

from snippets import HEAD, SOURCES  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
ENTRY = '[[entry]]\nid = "{id}"\nvalue = 0.5\nunit = "kgCO2e/kWh"\nbasis = "CO2e"\nsource = "src"\n'
POSITIONED = re.compile(r"^[^\s:][^:\n]*:\d+:\d+: \S.* \[[a-z0-9-]+\]$")
FILE_ONLY = re.compile(r"^[^\s:][^:\n]*: \S.* \[[a-z0-9-]+\]$")


def compile_(ws, body: str, head: str = HEAD):
    Path("m.pcf").write_text(head + textwrap.dedent(body) + "}\n", encoding="utf-8")
    ws.compile(ws.method("m.pcf"), 2024)


def with_kb(ws, *entries: str) -> pcf.Workspace:
    Path("kb").mkdir(exist_ok=True)
    Path("kb/sources.toml").write_text(SOURCES, encoding="utf-8")
    Path("kb/x.toml").write_text("\n".join(entries), encoding="utf-8")
    return pcf.Workspace(ws.units, load_kb(Path("kb"), ws.units, cache=False), ws.methods_dir)


def run_case(ws, inventory: str, body: str = "  input electricity : kWh\n"
             "  emission power in production = electricity * 0.5 kgCO2e/kWh\n", case: str | None = None):
    d = Path("case")
    d.mkdir(exist_ok=True)
    (d / "m.pcf").write_text(HEAD + body + "}\n", encoding="utf-8")
    (d / "inventory.toml").write_text(inventory, encoding="utf-8")
    (d / "case.toml").write_text(case or 'method = "m.pcf"\ninventory = "inventory.toml"\ndata_year = 2024\n',
                                 encoding="utf-8")
    ws.run_case(d)


INV = '[[product]]\nid = "p"\n[product.inputs]\nelectricity = {}\n'

# code -> (an input that produces it, a text its hint contains or None)
PRODUCERS = {
    "syntax": (lambda ws: build_method('method m {\n  emision e in s = 1\n}\n', "m.pcf"), "did you mean `emission`?"),
    "unknown-name": (lambda ws: compile_(ws, "input electricity : kWh\n"
                                         "emission e in production = electricty * 1 kgCO2e/kWh\n"),
                     "did you mean `electricity`?"),
    "unknown-stage": (lambda ws: compile_(ws, "input x : kWh\nemission e in prodution = x * 1 kgCO2e/kWh\n"),
                      "did you mean `production`?"),
    "unknown-table": (lambda ws: compile_(ws, "table legs { mass : t }\n"
                                          "emission e in production = sum(l in leg: l.mass) * 1 kgCO2e/t\n"),
                      "did you mean `legs`?"),
    "unknown-column": (lambda ws: compile_(ws, "table legs { mass : t }\n"
                                           "emission e in production = sum(l in legs: l.mas) * 1 kgCO2e/t\n"),
                       "did you mean `mass`?"),
    "duplicate": (lambda ws: compile_(ws, "input x : kWh\nlet x = 2 kWh\nemission e in production = x * 1 kgCO2e/kWh\n"),
                  "rename one"),
    "override": (lambda ws: ws.resolve(build_method('method m {\n  override gwp AR6\n}\n', "m.pcf")),
                 "remove `override`"),
    "rule": (lambda ws: compile_(ws, "input x : kWh\nemission e in production = x * 1 kgCO2e/kWh\n"
                                 "rule cutof reading { }\n"), "did you mean `cutoff`?"),
    "cycle": (lambda ws: compile_(ws, "input x : kWh\nlet a = b\nlet b = a\n"
                                  "emission e in production = x * a * 1 kgCO2e/kWh\n"), None),
    "unit-unknown": (lambda ws: run_case(ws, INV.format('"43.28 万 kWh"')),
                     "万kWh is 10^4 kWh: write `43.28 万kWh` or `432800 kWh`"),
    "unit-mismatch": (lambda ws: compile_(ws, "input x : kWh\ninput c : kg\n"
                                          "emission e in production = (x + c) * 1 kgCO2e/kWh\n"), None),
    "basis-conversion": (lambda ws: compile_(ws, "input c : kg\n"
                                             "emission e in production = c * 2.5 kgCO2e/kg * 44/12\n"),
                         "remove the conversion"),
    "not-co2e": (lambda ws: compile_(ws, "input x : kWh\nemission e in production = x * 1 kgCH4/kWh\n"),
                 "kb.gwp.ar5.ch4"),
    "missing-setting": (lambda ws: compile_(ws, "input x : kWh\nemission e in production = x * 1 kgCO2e/kWh\n",
                                            HEAD.replace("  gwp AR5\n", "")), "gwp AR5"),
    "bad-setting": (lambda ws: compile_(ws, "input x : kWh\nemission e in production = x * 1 kgCO2e/kWh\n",
                                        HEAD.replace("cradle_to_gate", "cradle_to_gat")),
                    "did you mean `cradle_to_gate`?"),
    "gwp-mismatch": (lambda ws: compile_(with_kb(ws, ENTRY.format(id="t.ef") + 'gwp = "AR4"\n'),
                                         "input x : kWh\nemission e in production = x * kb.t.ef\n"), "GWP set"),
    "kb-unknown": (lambda ws: compile_(ws, "input x : kWh\n"
                                       "emission e in production = x * kb.cn.electricity.cfp.natonal\n"),
                   "did you mean `cn.electricity.cfp.national`?"),
    "kb-year": (lambda ws: compile_(ws, "input x : kWh\n"
                                    "emission e in production = x * kb.cn.electricity.cfp.national[2030]\n"),
                "pin a year"),
    "kb-invalid": (lambda ws: with_kb(ws, ENTRY.format(id="t.ef") + 'qualty = "measured"\n'),
                   "did you mean `quality`?"),
    "kb-not-default": (lambda ws: compile_(with_kb(ws, ENTRY.format(id="t.ef")
                                                   + 'confidence = "unconfirmed"\ndefault = false\n'),
                                           "input x : kWh\nemission e in production = x * kb.t.ef\n"),
                       "pin its year"),
    "toml": (lambda ws: run_case(ws, INV.format("12 kWh")), "a number with a unit is a string"),
    "inventory": (lambda ws: run_case(ws, INV.format('"12 kWh"') + 'electricty = "1 kWh"\n'),
                  "did you mean `electricity`?"),
    "missing-input": (lambda ws: run_case(ws, '[[product]]\nid = "p"\n'), 'electricity = "<amount> kWh"'),
    "bad-number": (lambda ws: run_case(ws, INV.format('"１２ kWh"')), "full-width"),
    "basis-conflict": (lambda ws: run_case(ws, INV.format('{ value = 1.2, unit = "kWh", basis = "per_unit" }').replace(
        "[product.inputs]", "quantity = 10\n[product.inputs]"),
        body="  input electricity : kWh period\n  emission power in production = electricity * 0.5 kgCO2e/kWh\n"),
        "for the whole period"),
    "case": (lambda ws: run_case(ws, INV.format('"12 kWh"'), case='methd = "m.pcf"\ninventory = "inventory.toml"\n'),
             "did you mean `method`?"),
    "method-not-found": (lambda ws: run_case(ws, INV.format('"12 kWh"'), case='method = "gbt24067.electricl"\n'
                                             'inventory = "inventory.toml"\n'), "did you mean `gbt24067.electrical`?"),
    "io": (lambda ws: (Path("dir.pcf").mkdir(), pcf.read_method(Path("dir.pcf"))), None),
    "uncertainty": (lambda ws: (Path("u.toml").write_text('[inputs]\nx = { distribution = "lognormall", gsd = 1.2 }\n'),
                                load_spec(Path("u.toml"))), "did you mean `lognormal`?"),
    "pact": (lambda ws: pact_export(ws), "company_name"),
    "pact-check": (lambda ws: (Path("fp.json").write_text('{"specVersion": "1.0.0", "pcf": {}}', encoding="utf-8"),
                               read_footprints(Path("fp.json"))), "names its version"),
    "pact-spec": (lambda ws: (Path("o.yaml").write_text("openapi: 3.0.0\n", encoding="utf-8"),
                              load_openapi(Path("o.yaml"))), "PACT OpenAPI file"),
    "input-file": (lambda ws: (os.mkfifo("u.toml"), load_spec(Path("u.toml"))), "a file saved by a program"),
    "output": (lambda ws: check_output(Path("/dev/null"), ReadSet((), ())), "the path of a file"),
    "kb-import": (lambda ws: kb_import_bad_row(), "expected kg CO2e"),
    "unknown-key": (lambda ws: compile_(ws, "map ef { road: 1 kgCO2e/km, rail: 2 kgCO2e/km }\n"
                                        "input d : km\nemission e in production = d * ef[\"raod\"]\n"),
                    "did you mean `road`?"),
    "bad-map": (lambda ws: compile_(ws, "input d : km\nmap ef { road: d * 1 kgCO2e/km }\n"
                                    "emission e in production = d * ef[\"road\"]\n"), "in a `let`"),
    "bad-default": (lambda ws: compile_(ws, "input a : km\ninput d : km = a\n"
                                        "emission e in production = d * 1 kgCO2e/km\n"), "= 3 km"),
    "bad-scenario": (lambda ws: compile_(ws, "input a : km\ninput d : km\n"
                                         "emission e in production = d * a * 1 kgCO2e/km2\n"
                                         "scenario far { d: a * 2 }\n"), "make `d` a let"),
}


def kb_import_bad_row():
    from pcf.knowledge.imports import convert
    Path("flat.csv").write_text("Scope,Level 1,Level 2,Level 3,Level 4,Column Text,UOM,GHG/Unit,"
                                "GHG Conversion Factor 2023\nScope 1,Fuels,Liquid fuels,Diesel,,,litres,kg SF6,1\n",
                                encoding="utf-8")
    convert("desnz", Path("flat.csv"), {})


def read_footprints(path):
    from pcf.exchange.pactread import read_footprints as read
    return read(path)


def load_openapi(path):
    from pcf.exchange.pactschema import load_openapi as load
    return load(path)


def pact_export(ws):
    """A PACT export of a case without a [pact] table."""
    from datetime import datetime, timezone
    from pcf.exchange.pact import to_pact
    run_case(ws, INV.format('"12 kWh"'))
    to_pact(ws.run_case("case"), datetime(2026, 1, 1, tzinfo=timezone.utc))


@pytest.mark.parametrize("code", sorted(CATALOGUE))
def test_every_catalogued_code_is_produced(ws, here, code):
    assert code in PRODUCERS, f"error code `{code}` has no input in PRODUCERS that produces it"
    produce, hint = PRODUCERS[code]
    with pytest.raises(PcfError) as err:
        produce(ws)
    found = [d for d in err.value.diagnostics if d.code == code]
    assert found, [(d.code, d.message) for d in err.value.diagnostics]
    d = found[0]
    first = render([d]).split("\n")[0]
    assert POSITIONED.match(first) or (d.span is None and FILE_ONLY.match(first) and d.path), first
    assert d.message.strip() and "\n" not in d.message
    if hint is not None:
        assert hint in (d.hint or ""), (d.message, d.hint)


def test_every_produced_code_is_catalogued():
    """A static scan of engine/: string literals passed as an error code, by position (to
    Diagnostic, fail, TomlDoc.error and functions whose first parameter is `code`) or as
    `code=` (in calls and as parameter defaults)."""
    produced: dict[str, str] = {}
    for path in sorted((ROOT / "engine").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        first_param = {}
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                params = [a.arg for a in node.args.args if a.arg not in ("self", "cls")]
                first_param[node.name] = params[0] if params else None
                names = [a.arg for a in node.args.args][-len(node.args.defaults):] if node.args.defaults else []
                for name, default in zip(names, node.args.defaults):
                    if name == "code" and isinstance(default, ast.Constant):
                        produced.setdefault(default.value, f"{path.name}:{node.lineno}")
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            literal = node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)
            if literal and (name in ("Diagnostic", "fail", "error") or first_param.get(name) == "code"):
                produced.setdefault(node.args[0].value, f"{path.name}:{node.lineno}")
            for k in node.keywords:
                if k.arg == "code" and isinstance(k.value, ast.Constant):
                    produced.setdefault(k.value.value, f"{path.name}:{node.lineno}")
    assert len(produced) >= 20   # the scan finds the codes at all
    uncatalogued = {c: where for c, where in produced.items() if c not in CATALOGUE}
    assert not uncatalogued, f"codes produced but not in pcf.core.errors.CATALOGUE: {uncatalogued}"
    assert set(CATALOGUE) <= set(produced), f"catalogued but never produced: {set(CATALOGUE) - set(produced)}"
