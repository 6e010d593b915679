"""Safety and no lost data: input files are data, never code; a case reads only its folder,
the method library and the knowledge base; pcf never reaches the network, never rewrites an
input, and writes its only file of its own (the compiled KB cache) atomically.

Paths written `..` or absolute in case.toml are refused in test_errors.py; here are the
ways around those checks (symlinks), the proofs (every file a run opens is recorded, the
network is cut, a payload that would leave a file behind leaves none) and the writes.
"""
from __future__ import annotations

import ast
import builtins
import hashlib
import io
import os
import shutil
import socket
from pathlib import Path

import pint
import pytest

import pcf
from pcf.files import atomic, cachefiles
from pcf.knowledge import kbcache
from pcf.language.build import build_method
from pcf.cli import main
from pcf.core.errors import PcfError
from pcf.knowledge.kb import load_kb

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "examples" / "seed-003-metering-box"
SEEDS = sorted(p for p in (ROOT / "examples").iterdir() if (p / "case.toml").is_file())
# A payload that, were it ever run as Python, would leave this file behind.
PAYLOAD = "__import__('pathlib').Path('PWNED').touch()"
SOURCES = '[src]\ntitle = "T"\nissuer = "I"\nyear = 2024\nurl = "http://127.0.0.1:9/x"\n'


def diagnostics(run):
    with pytest.raises(PcfError) as err:
        run()
    return err.value.diagnostics


# --- nothing in a file is run as code -------------------------------------------------------------

@pytest.mark.parametrize("formula", [PAYLOAD, "eval('1')", "x if x else y", "x.__class__.__bases__", "lambda: x", "x ** 2",
                                     "`x`", "x; import os", "{x}", "[x for x in y]"])
def test_python_in_a_formula_is_a_syntax_error(here, formula):
    text = f'method m {{\n  let x = {formula}\n}}\n'
    d = diagnostics(lambda: build_method(text, "m.pcf"))[0]
    assert d.code == "syntax" and d.span.line == 2
    assert not Path("PWNED").exists()


@pytest.mark.parametrize("where", ["inventory amount", "left-out row", "kb unit", "printed figure"])
def test_python_in_a_unit_string_is_refused_not_evaluated(ws, here, where):
    case = Path("case")
    shutil.copytree(SEED, case)
    inv = (case / "inventory.toml").read_text(encoding="utf-8")
    unit = PAYLOAD
    if where == "kb unit":
        Path("kb").mkdir()
        Path("kb/sources.toml").write_text(SOURCES, encoding="utf-8")
        Path("kb/x.toml").write_text(f'[[entry]]\nid = "t.x"\nvalue = 1.0\nunit = "{unit}"\nbasis = "parameter"\n'
                                     'source = "src"\n', encoding="utf-8")
        d = diagnostics(lambda: load_kb(Path("kb"), ws.units, cache=False))[0]
        assert d.code == "unit-unknown" and (d.span.path, d.span.line) == ("kb/x.toml", 4)
    else:
        if where == "inventory amount":
            inv = inv.replace('rm_electricity = "56.8120 kWh"', f'rm_electricity = "56.8120 {unit}"')
        elif where == "left-out row":
            inv += f'\n[[product.left_out]]\nname = "x"\nmass = "1 {unit}"\n'
        (case / "inventory.toml").write_text(inv, encoding="utf-8")
        if where == "printed figure":
            toml = (case / "case.toml").read_text(encoding="utf-8")
            (case / "case.toml").write_text(toml.replace('total = "64.2254 kgCO2e"', f'total = "64.2254 {unit}"'),
                                            encoding="utf-8")
        ds = diagnostics(lambda: ws.run_case(case))
        assert any(d.code == "unit-unknown" for d in ds)
        assert all(d.span is not None for d in ds)
    assert not Path("PWNED").exists()


def test_pint_never_evaluates_python(ws, here):
    # The unit parser is pint's own tokenizer and evaluator: names are looked up as units only.
    for text in [PAYLOAD, "().__class__.__bases__[0].__subclasses__()", "open('/etc/passwd')", "exec('1')"]:
        with pytest.raises(ValueError):   # UnitError
            ws.units.parse(text)
    assert not Path("PWNED").exists()


# --- a case reads only its folder, the library and the knowledge base -------------------------------

@pytest.mark.parametrize("link,target", [
    ("inventory.toml", "/etc/passwd"),
    ("inventory.toml", "../outside.toml"),
    ("m.pcf", "../outside.pcf"),
    ("case.toml", "../outside-case.toml"),
    ("sub", ".."),           # a folder inside the case that leads out of it
])
def test_symlinks_inside_a_case_cannot_lead_out_of_it(ws, here, link, target):
    case = Path("case")
    shutil.copytree(SEED, case)
    Path("outside.toml").write_text((SEED / "inventory.toml").read_text(encoding="utf-8"), encoding="utf-8")
    Path("outside.pcf").write_text((ROOT / "methods/gbt24067/electrical.pcf").read_text(encoding="utf-8"),
                                   encoding="utf-8")
    Path("outside-case.toml").write_text((SEED / "case.toml").read_text(encoding="utf-8"), encoding="utf-8")
    toml = (case / "case.toml").read_text(encoding="utf-8")
    if link == "m.pcf":
        toml = toml.replace('method = "gbt24067.electrical"', 'method = "m.pcf"')
    if link == "sub":
        toml = toml.replace('inventory = "inventory.toml"', 'inventory = "sub/outside.toml"')
    (case / "case.toml").write_text(toml, encoding="utf-8")
    (case / link).unlink(missing_ok=True)
    (case / link).symlink_to(target)
    d = diagnostics(lambda: ws.run_case(case))[0]
    assert d.code in ("case", "method-not-found")
    assert "inside the case folder" in d.message or "outside the case folder" in d.message


class Opened(list):
    """Every path opened while installed (io.open, builtins.open, os.open)."""

    def install(self, monkeypatch) -> "Opened":
        real_open, real_os_open = io.open, os.open

        def record(file, *args, **kwargs):
            self.append(os.fspath(file) if not isinstance(file, int) else f"fd {file}")
            return real_open(file, *args, **kwargs)

        def record_os(path, *args, **kwargs):
            self.append(os.fspath(path))
            return real_os_open(path, *args, **kwargs)
        monkeypatch.setattr(io, "open", record)
        monkeypatch.setattr(builtins, "open", record)
        monkeypatch.setattr(os, "open", record_os)
        return self

    def outside(self, *allowed: Path) -> list[str]:
        roots = [a.resolve() for a in allowed]
        return [p for p in self if not p.startswith("fd ")
                and not any(Path(p).resolve().is_relative_to(r) for r in roots)]


@pytest.mark.parametrize("key,ref", [("method", "/etc/passwd"), ("method", "../../etc/passwd.pcf"),
                                     ("method", "../secret.pcf"), ("inventory", "../secret.toml"),
                                     ("inventory", "/etc/passwd")])
def test_a_crafted_case_is_refused_before_anything_outside_is_read(ws, here, monkeypatch, key, ref):
    case = here / "case"
    shutil.copytree(SEED, case)
    Path("secret.pcf").write_text("secret", encoding="utf-8")
    Path("secret.toml").write_text("secret = 1", encoding="utf-8")
    toml = (case / "case.toml").read_text(encoding="utf-8")
    old = 'method = "gbt24067.electrical"' if key == "method" else 'inventory = "inventory.toml"'
    (case / "case.toml").write_text(toml.replace(old, f'{key} = "{ref}"'), encoding="utf-8")
    opened = Opened().install(monkeypatch)
    d = diagnostics(lambda: ws.run_case("case"))[0]
    assert d.code in ("case", "method-not-found") and d.span.path == "case/case.toml"
    assert any(p.endswith("case.toml") for p in opened)   # the recorder sees what is read
    assert not opened.outside(case, ROOT / "methods", ROOT / "kb")


def test_a_run_opens_only_the_case_the_library_the_kb_and_the_cache(ws, here, monkeypatch):
    case = here / "case"
    shutil.copytree(SEED, case)
    toml = (case / "case.toml").read_text(encoding="utf-8")
    assert "\n[source]\n" in toml   # paths and URLs there are data: never opened
    (case / "case.toml").write_text(toml.replace("\n[source]\n", '\n[source]\nfile = "/etc/passwd"\n'
                                                 'url = "file:///etc/shadow"\n'), encoding="utf-8")
    opened = Opened().install(monkeypatch)
    ws.run_case("case")
    assert main(["run", "case", "--json"]) == 0
    assert main(["explain", "case"]) == 0
    assert opened and not opened.outside(case, ROOT / "methods", ROOT / "kb", ROOT / "grammar",
                                         Path(pint.__file__).parent, kbcache.default_cache_dir())


def test_no_network_is_reached(ws, here, monkeypatch):
    # A source with a URL is data: printed, never fetched.
    def refuse(*args, **kwargs):
        raise AssertionError("pcf tried to reach the network")
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    Path("kb").mkdir()
    Path("kb/sources.toml").write_text(SOURCES, encoding="utf-8")
    Path("kb/x.toml").write_text('[[entry]]\nid = "t.x"\nvalue = 1.0\nunit = "kgCO2e/kWh"\nbasis = "CO2e"\n'
                                 'source = "src"\nnote = "see https://example.org and file:///etc/passwd"\n',
                                 encoding="utf-8")
    kb = load_kb(Path("kb"), ws.units, cache=False)
    assert kb.sources["src"].url == "http://127.0.0.1:9/x"
    assert main(["--library-kb", "kb", "kb", "show", "t.x"]) == 0
    for seed in SEEDS:
        ws.run_case(seed)


# --- no lost data ----------------------------------------------------------------------------------

def _digest(folder: Path) -> dict[str, tuple[str, int]]:
    return {p.relative_to(folder).as_posix(): (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_commands_never_modify_their_inputs(here, capsys):
    case = here / "case"
    shutil.copytree(SEED, case)
    before = {"case": _digest(case), "methods": _digest(ROOT / "methods"), "kb": _digest(ROOT / "kb"),
              "here": sorted(p.name for p in here.iterdir())}
    for argv in (["run", "case"], ["run", "case", "--json"], ["explain", "case"], ["check", "case"],
                 ["compare", "case", "--method", "gbt24067.electrical", "--method", "pas2050.electrical"],
                 ["graph", "case"], ["check", str(ROOT / "kb")]):
        assert main(argv) == 0, argv
    capsys.readouterr()
    after = {"case": _digest(case), "methods": _digest(ROOT / "methods"), "kb": _digest(ROOT / "kb"),
             "here": sorted(p.name for p in here.iterdir())}
    assert after == before


def _cache_files(cache: Path) -> list[str]:
    """The cache files in `cache`, besides the sealing key (cachefiles.py)."""
    return sorted(p.name for p in cache.iterdir() if p.name != "key") if cache.is_dir() else []


def test_a_failed_cache_write_leaves_no_partial_file(ws, tmp_path, monkeypatch):
    cache = tmp_path / "cache"

    def fail_replace(src, dst):
        raise OSError(28, "No space left on device")
    with monkeypatch.context() as mp:
        mp.setattr(cachefiles.os, "replace", fail_replace)   # the sealed write (cachefiles.write_sealed)
        kb = load_kb(ROOT / "kb", ws.units, cache_dir=cache)
    assert _cache_files(cache) == []                      # neither the cache nor its temporary file
    again = load_kb(ROOT / "kb", ws.units, cache_dir=cache)   # the next load works, and writes it
    assert again.by_id == kb.by_id and len(_cache_files(cache)) == 1


def test_an_interrupted_cache_write_leaves_no_partial_file(ws, tmp_path, monkeypatch):
    cache = tmp_path / "cache"

    def interrupt(fd):   # the bytes are in the temporary file when Ctrl-C arrives
        raise KeyboardInterrupt
    with monkeypatch.context() as mp:
        mp.setattr(atomic.os, "fsync", interrupt)
        with pytest.raises(KeyboardInterrupt):
            load_kb(ROOT / "kb", ws.units, cache_dir=cache)
    assert _cache_files(cache) == []
    assert load_kb(ROOT / "kb", ws.units, cache_dir=cache).by_id == ws.kb.by_id


# Modules that write files, each through a temporary file and a rename.
ATOMIC_WRITERS = {"atomic.py", "cachefiles.py"}   # cachefiles: the sealing key, linked into place whole


def test_every_file_pcf_writes_is_written_through_an_atomic_writer():
    """A static check: only the atomic writers open files for writing; every other module that
    writes goes through them (so an interrupted run leaves no half-written output)."""
    offenders = []
    for path in sorted((ROOT / "engine").rglob("*.py")):
        if path.name in ATOMIC_WRITERS:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            modes = [a.value for a in node.args[:2] if isinstance(a, ast.Constant) and isinstance(a.value, str)]
            modes += [k.value.value for k in node.keywords if k.arg == "mode" and isinstance(k.value, ast.Constant)]
            mode = next((m for m in modes if m and set(m) <= set("rwabxt+")), None)
            writes = name in ("write_text", "write_bytes", "fdopen", "mkstemp", "replace", "rename") and (
                name != "replace" or isinstance(node.func, ast.Attribute) and getattr(node.func.value, "id", "") == "os")
            if name == "open" and isinstance(mode, str) and set(mode) & set("wax+"):
                writes = True
            if writes:
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}: {name}")
    assert not offenders, offenders
