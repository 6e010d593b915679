"""Importers: open factor data sets -> ordinary sourced kb/ TOML (`pcf kb import FORMAT SOURCE -o OUT`).

One module per format, each a pure function `convert(source, options) -> Imported` over the
rows read by `rows.py`; `tomlout.py` writes the result. Every importer

- writes only values read from the source file, each entry naming its source row (`table`);
- gives each entry a stable id built from the row's own labels, so a re-import of the same
  file produces a byte-identical TOML file and a later edition extends the same series;
- refuses a row it cannot read with a positioned error (`file:line:col`, or
  `file.xlsx:Sheet:row:col`), all problems reported together, and writes nothing then.
"""
from __future__ import annotations

from importlib import import_module
from pathlib import Path

from ...core.errors import Diagnostic, PcfError

# format name -> module of this package with `convert(path, options)` and `HELP`
FORMATS = {"desnz": "desnz", "owid-grid": "owid", "mapping": "mapping", "cpcd": "cpcd", "ipcc": "ipcc",
           "co2js": "co2js", "pact": "pact"}


def convert(fmt: str, source: Path, options: dict) -> str:
    """The TOML text importing `source` in format `fmt`."""
    if fmt not in FORMATS:
        from ...core.errors import did_you_mean
        raise PcfError([Diagnostic("kb-import", f"unknown import format `{fmt}`", None, path=str(source),
                                   hint=did_you_mean(fmt, FORMATS) or f"one of {', '.join(FORMATS)}")])
    if not Path(source).is_file():
        raise PcfError([Diagnostic("io", f"file not found: {source}", None, path=str(source))])
    module = import_module(f".{FORMATS[fmt]}", __name__)
    from .tomlout import render
    return render(module.convert(Path(source), options))
