"""Case folders: `case.toml` names the method, the inventory, the data year and the
figures a published report printed.

    title = "..."
    method = "gbt24067.electrical"      # a method id from methods/, or a .pcf file in the case
    inventory = "inventory.toml"
    data_year = 2025

    [reported.BXS2]                      # per product id
    total = "64.2254 kgCO2e"             # per functional unit, as printed (keep the digits)
    yearly_total = "..."                 # the period total
    stages.raw_material = "52.6015 kgCO2e"
    shares.raw_material = "81.90 %"
    lines.rm_transport = { value = "0.0012 kgCO2e", where = "table 4.2.1" }
    factors.diesel_ef = "0.0726 tCO2/GJ"  # a `let` of the method, as the report prints it

A case reads only files inside its folder and the method library: paths are confined.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from .errors import Diagnostic, PcfError, did_you_mean
from .inventory import AMOUNT_RE, Inventory, load_inventory, out_of_range
from .source import Span, display_path
from .tomlfile import TomlDoc, read_toml

DEFAULT_METHODS_DIR = Path(__file__).resolve().parent.parent / "methods"
CASE_KEYS = {"title", "method", "inventory", "data_year", "reported", "note", "source"}
FIGURE_KINDS = {"total", "yearly_total", "stages", "yearly_stages", "shares", "lines", "yearly_lines",
                "factors"}
_METHOD_ID = re.compile(r"^\s*method\s+([a-z0-9_]+(?:\.[a-z0-9_]+)*)", re.M)


@dataclass(frozen=True)
class ReportedFigure:
    product: str
    path: str            # "total", "stages.production", "shares.production", "lines.<name>" ...
    value: float
    unit: str
    text: str            # the digits as printed
    span: Span | None
    where: str | None = None   # where in the report it is printed

    @property
    def half_width(self) -> float:
        from .inventory import Amount
        return Amount(self.value, self.unit, self.text).half_width


@dataclass(frozen=True)
class Case:
    dir: str
    title: str | None
    method_path: Path
    inventory: Inventory
    data_year: int | None
    reported: tuple[ReportedFigure, ...]
    source: Mapping[str, str]


def find_method(ref: str, case_dir: Path | None = None, library: Path = DEFAULT_METHODS_DIR,
                span: Span | None = None) -> Path:
    """A method by id (from the library) or by path (inside the case folder or the library)."""
    if ref.endswith(".pcf") or "/" in ref:
        bases = [b for b in (case_dir, library) if b is not None]
        for base in bases:
            p = (base / ref).resolve()
            if _is(p, "file") and any(_inside(p, b) for b in bases):
                return p
        outside = any(not _inside((b / ref).resolve(), b) for b in bases)
        raise PcfError([Diagnostic("method-not-found", f"no method file `{ref}`"
                                   + (" inside the case folder or the method library" if outside else ""),
                                   span)])
    ids = method_ids(library)
    if ref in ids:
        return ids[ref]
    raise PcfError([Diagnostic("method-not-found", f"no method with id `{ref}` in {display_path(library)}",
                               span, hint=did_you_mean(ref, ids))])


def method_ids(library: Path = DEFAULT_METHODS_DIR) -> dict[str, Path]:
    out = {}
    for p in sorted(Path(library).rglob("*.pcf")):
        try:
            m = _METHOD_ID.search(p.read_text(encoding="utf-8-sig", errors="replace"))
        except OSError:
            continue
        if m:
            out.setdefault(m.group(1), p.resolve())
    return out


def _is(p: Path, kind: str) -> bool:
    """`p.is_file()` / `p.is_dir()`, false for a path the system refuses (a name too long ...)."""
    try:
        return p.is_file() if kind == "file" else p.is_dir()
    except OSError:
        return False


def _inside(p: Path, base: Path) -> bool:
    try:
        p.resolve().relative_to(base.resolve())
        return True
    except ValueError:
        return False


def load_case(case_dir: Path, library: Path = DEFAULT_METHODS_DIR) -> Case:
    case_dir = Path(case_dir)
    toml_path = case_dir / "case.toml"
    if not toml_path.is_file():
        raise PcfError([Diagnostic("case", f"not a case folder: {display_path(case_dir)} has no case.toml",
                                   None, path=display_path(case_dir))])
    if not _inside(toml_path, case_dir):
        raise PcfError([Diagnostic("case", "case.toml is a link to a file outside the case folder; "
                                   "a case reads only files inside the case folder", None,
                                   path=display_path(toml_path))])
    doc = read_toml(toml_path)
    d = doc.data
    problems: list[Diagnostic] = []
    for k in sorted(set(d) - CASE_KEYS):
        problems.append(doc.error("case", k, "unknown key", did_you_mean(k, CASE_KEYS)))
    for k in ("method", "inventory"):
        if not isinstance(d.get(k), str):
            problems.append(doc.error("case", k, f"`{k}` is required (a string)"))
    year = d.get("data_year")
    if year is not None and (isinstance(year, bool) or not isinstance(year, int) or not 1900 <= year <= 2200):
        problems.append(doc.error("case", "data_year", f"data_year must be a year, found {year!r}"))
        year = None
    if problems:
        raise PcfError(problems)
    method_path = find_method(d["method"], case_dir, library, doc.span("method"))
    inv_path = (case_dir / d["inventory"]).resolve()
    if not _inside(inv_path, case_dir):
        raise PcfError([doc.error("case", "inventory", "the inventory must be a file inside the case folder")])
    if not (_is(inv_path, "file") or (_is(inv_path, "dir") and inv_path != case_dir.resolve())):
        raise PcfError([doc.error("case", "inventory", f"no file `{d['inventory']}` in the case folder")])
    inventory = load_inventory(inv_path)
    reported = _reported(doc, inventory, problems)
    if problems:
        raise PcfError(problems)
    source = d.get("source") if isinstance(d.get("source"), dict) else {}
    return Case(str(case_dir), d.get("title"), method_path, inventory, year, tuple(reported),
                {str(k): str(v) for k, v in source.items()})


def _reported(doc: TomlDoc, inventory: Inventory, problems: list[Diagnostic]) -> list[ReportedFigure]:
    raw = doc.data.get("reported", {})
    out: list[ReportedFigure] = []
    if not isinstance(raw, dict):
        problems.append(doc.error("case", "reported", "`reported` is a table per product id"))
        return out
    ids = [p.id for p in inventory.products]
    for pid, figs in raw.items():
        if pid not in ids:
            problems.append(doc.error("case", f"reported.{pid}", f"no product `{pid}` in the inventory",
                                      did_you_mean(pid, ids)))
            continue
        if not isinstance(figs, dict):
            problems.append(doc.error("case", f"reported.{pid}", "a table of printed figures"))
            continue
        for kind, v in figs.items():
            if kind not in FIGURE_KINDS:
                problems.append(doc.error("case", f"reported.{pid}.{kind}", "unknown figure",
                                          did_you_mean(kind, FIGURE_KINDS) or f"one of {', '.join(sorted(FIGURE_KINDS))}"))
                continue
            if kind in ("total", "yearly_total"):
                items = [(kind, v)]
            elif isinstance(v, dict):
                items = [(f"{kind}.{k}", x) for k, x in v.items()]
            else:
                problems.append(doc.error("case", f"reported.{pid}.{kind}", "a table of name = \"value unit\""))
                continue
            for path, x in items:
                key = f"reported.{pid}.{path}"
                where = None
                if isinstance(x, dict):
                    where = x.get("where")
                    x = x.get("value")
                m = AMOUNT_RE.match(x) if isinstance(x, str) else None
                if not m or not m.group(2):
                    problems.append(doc.error("case", key, f'a printed figure is a string with its unit, '
                                              f'e.g. "64.2254 kgCO2e" or "81.90 %"; found {x!r}',
                                              "keep the digits exactly as printed: they set the rounding allowed"))
                    continue
                if out_of_range(m.group(1)):
                    problems.append(doc.error("bad-number", key, f"printed figure out of range: {m.group(1)}"))
                    continue
                out.append(ReportedFigure(pid, path, float(m.group(1)), m.group(2), m.group(1),
                                          doc.span(key), where))
    return out
