"""The command line on bad input: exit 1 with `file:line:col: message [code]`, the source
line, a caret and a hint on stderr, never a traceback; exit 2 for bad command-line use.

The full rendered stderr of representative errors is pinned in tests/golden/errors/
(`pytest --update-golden` rewrites them; review the diff).
"""
from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from pcf.cli import main

FIRST_LINE = re.compile(r"^[^:\n]+:\d+:\d+: .+ \[[a-z-]+\]$")

HEAD = '''method t.m "T" {
  standard "S"
  boundary cradle_to_gate
  gwp AR5
  stage production "生产"
'''
INVENTORY = '''[[product]]
id = "p"

[product.inputs]
electricity = "12 kWh"
'''
CASE = 'method = "m.pcf"\ninventory = "inventory.toml"\ndata_year = 2024\n'
GOOD_BODY = '''  input electricity : kWh "用电"
  emission power in production = electricity * kb.cn.electricity.cfp.national
'''


@pytest.fixture
def here(tmp_path, monkeypatch):
    # Paths in messages are shown relative to the working directory: keep them short and stable.
    monkeypatch.chdir(tmp_path)
    return tmp_path


def method_file(body: str, name: str = "m.pcf") -> str:
    Path(name).write_text(HEAD + textwrap.dedent(body) + "}\n", encoding="utf-8")
    return name


def case_folder(inventory: str = INVENTORY, case: str = CASE, body: str = GOOD_BODY) -> str:
    d = Path("case")
    d.mkdir(exist_ok=True)
    (d / "m.pcf").write_text(HEAD + body + "}\n", encoding="utf-8")
    (d / "inventory.toml").write_text(inventory, encoding="utf-8")
    (d / "case.toml").write_text(case, encoding="utf-8")
    return str(d)


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def failing(capsys, *argv: str) -> str:
    code, out, err = run(capsys, *argv)
    assert code == 1, (out, err)
    assert "Traceback" not in err and "internal error" not in err
    assert out == ""
    return err


# --- golden: what people read -----------------------------------------------------------------

def test_golden_misspelt_keyword(here, capsys, golden):
    f = method_file('''\
        input electricity : kWh "用电"
        emision power in production = electricity * kb.cn.electricity.cfp.national
        ''')
    err = failing(capsys, "check", f)
    assert FIRST_LINE.match(err.splitlines()[0])
    golden("errors/misspelt-keyword.txt", err)


def test_golden_unknown_name(here, capsys, golden):
    f = method_file('''\
        input electricity : kWh "用电"
        emission power in production = electricty * kb.cn.electricity.cfp.national
        ''')
    err = failing(capsys, "check", f)
    assert FIRST_LINE.match(err.splitlines()[0])
    golden("errors/unknown-name.txt", err)


def test_golden_unit_mismatch(here, capsys, golden):
    f = method_file('''\
        input electricity : kWh "用电"
        input coal : kg "原煤"
        emission power in production = (electricity + coal) * kb.cn.electricity.cfp.national
        ''')
    err = failing(capsys, "check", f)
    assert FIRST_LINE.match(err.splitlines()[0])
    golden("errors/unit-mismatch.txt", err)


def test_golden_kb_year(here, capsys, golden):
    f = method_file('''\
        input electricity : kWh "用电"
        emission power in production = electricity * kb.cn.electricity.cfp.national[2030]
        ''')
    err = failing(capsys, "check", f)
    assert FIRST_LINE.match(err.splitlines()[0])
    golden("errors/kb-year.txt", err)


def test_golden_unclosed_label(here, capsys, golden):
    f = method_file('''\
        input electricity : kWh "用电
        emission power in production = electricity * kb.cn.electricity.cfp.national
        ''')
    err = failing(capsys, "check", f)
    assert FIRST_LINE.match(err.splitlines()[0])
    golden("errors/unclosed-label.txt", err)


def test_golden_inventory_wrong_unit(here, capsys, golden):
    err = failing(capsys, "run", case_folder(INVENTORY.replace('"12 kWh"', '"12 kg"')))
    assert FIRST_LINE.match(err.splitlines()[0])
    golden("errors/inventory-wrong-unit.txt", err)


def test_golden_inventory_several_problems(here, capsys, golden):
    inv = INVENTORY.replace('electricity = "12 kWh"', 'electricty = "０.５ kWh"\ngas = "nan m3"')
    err = failing(capsys, "run", case_folder(inv))
    assert FIRST_LINE.match(err.splitlines()[0])
    golden("errors/inventory-several.txt", err)


def test_golden_invalid_toml(here, capsys, golden):
    err = failing(capsys, "run", case_folder(INVENTORY.replace('"12 kWh"', "12 kWh")))
    assert FIRST_LINE.match(err.splitlines()[0])
    golden("errors/invalid-toml.txt", err)


def test_golden_case_inventory_outside(here, capsys, golden):
    err = failing(capsys, "run", case_folder(case=CASE.replace("inventory.toml", "../../etc/passwd")))
    assert FIRST_LINE.match(err.splitlines()[0])
    golden("errors/case-inventory-outside.txt", err)


# --- exit codes and the shape of stderr -------------------------------------------------------

def test_a_good_case_exits_0(here, capsys):
    code, out, err = run(capsys, "run", case_folder())
    assert code == 0 and "power" not in err and "total" in out


@pytest.mark.parametrize("text", [
    "",                                                    # empty file
    "method m {",                                          # unclosed
    HEAD + "  let x = 1e400\n}\n",                         # number out of range
    HEAD + "  input x : kWh\n  let a = b\n  let b = a\n  emission e in production = x * a\n}\n",
    HEAD + '  stage production "again"\n}\n',
])
def test_bad_method_files_exit_1_with_a_position(here, capsys, text):
    Path("m.pcf").write_text(text, encoding="utf-8")
    err = failing(capsys, "check", "m.pcf")
    assert re.match(r"^m\.pcf:\d+:\d+: ", err)


def test_non_utf8_method_file(here, capsys):
    Path("m.pcf").write_bytes(HEAD.encode("utf-8") + b'  stage x "\xb2\xfa\xc6\xb7"\n}\n')   # GBK bytes
    err = failing(capsys, "check", "m.pcf")
    assert err.startswith("m.pcf:6:1: method file is not UTF-8 text [syntax]")


def test_missing_files(here, capsys):
    err = failing(capsys, "run", "nowhere")
    assert err.startswith("nowhere: not a case folder")
    err = failing(capsys, "check", "nowhere.pcf")
    assert err.startswith("nowhere.pcf: ")


def test_unknown_method_id_on_the_command_line(here, capsys):
    err = failing(capsys, "run", case_folder(), "--method", "gbt24067.electricl")
    first = err.splitlines()[0]
    assert first.startswith("pcf: no method with id `gbt24067.electricl`") and first.endswith("[method-not-found]")
    assert "did you mean `gbt24067.electrical`?" in err


def test_toml_error_names_file_and_key(here, capsys):
    err = failing(capsys, "run", case_folder(INVENTORY.replace('"12 kWh"', '"nan kWh"')))
    first = err.splitlines()[0]
    assert first.startswith("case/inventory.toml:5:1: product[0].inputs.electricity: ")


@pytest.mark.parametrize("argv", [
    ["frobnicate"],               # unknown command
    ["run"],                      # missing argument
    ["run", "a", "b"],            # one argument too many
    ["--bogus", "run", "x"],      # unknown option
    ["run", "x", "--json=yes"],   # a flag given a value
])
def test_bad_command_line_exits_2(capsys, argv):
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 2
    assert "usage: pcf" in capsys.readouterr().err


def test_no_command_prints_usage_and_exits_2(capsys):
    assert main([]) == 2
    assert "usage: pcf" in capsys.readouterr().err
