"""Imported entries -> kb/ TOML text, deterministically (a re-import is byte-identical).

Keys are written in one fixed order, strings as TOML basic strings, numbers in their
shortest exact form (Python's repr of a float), parts as dotted inline tables. Nothing
depends on the time or the machine: the header names the source file by name and SHA-256.
"""
from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from pathlib import Path

ORDER = ("id", "name_zh", "name_en", "value", "unit", "basis", "region", "valid_from", "valid_to",
         "data_year", "boundary", "quality", "confidence", "default", "gwp", "source", "table", "note")


@dataclass(frozen=True)
class Imported:
    command: str                       # how to re-import, e.g. `pcf kb import desnz FILE -o OUT`
    source_file: Path
    comment: tuple[str, ...]           # what the family is, in a few lines
    entries: tuple[dict, ...]          # keys from ORDER, plus "parts": ((gas, value, unit), ...) and
                                       # "uncertainty": {distribution, parameters} (insertion order kept)
    sources: tuple[dict, ...] = ()     # `[source.<key>]` tables written before the entries (key first)


def render(imp: Imported) -> str:
    digest = hashlib.sha256(imp.source_file.read_bytes()).hexdigest()
    out = [f"# Imported with `{imp.command}`: do not edit by hand, re-import instead.",
           f"# Source file: {imp.source_file.name} (SHA-256 {digest}).",
           *(f"# {line}".rstrip() for line in imp.comment), ""]
    for src in imp.sources:
        out.append(f"[source.{src['key']}]")
        out.extend(f"{k} = {_value(v)}" for k, v in src.items() if k != "key" and v is not None)
        out.append("")
    for e in imp.entries:
        out.append("[[entry]]")
        for key in ORDER:
            if e.get(key) is not None:
                out.append(f"{key} = {_value(e[key])}")
        if e.get("uncertainty"):
            items = ", ".join(f"{k} = {_value(v)}" for k, v in e["uncertainty"].items())
            out.append(f"uncertainty = {{ {items} }}")
        for gas, value, unit in e.get("parts") or ():
            out.append(f"parts.{gas} = {{ value = {_value(value)}, unit = {_value(unit)} }}")
        out.append("")
    return "\n".join(out)


def _value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if not math.isfinite(v):
            raise ValueError(f"not a finite number: {v}")   # importers refuse these rows first
        return repr(v)
    # A JSON string is a TOML basic string, but for DEL, which TOML wants escaped.
    return json.dumps(str(v), ensure_ascii=False).replace("\x7f", "\\u007f")
