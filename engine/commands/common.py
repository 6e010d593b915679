"""What every command shares: printing to stdout and writing output files (guarded, atomic)."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from ..render.escape import json_text, text_block



def out(text: str) -> None:
    """Text for people: its lines kept, every control character (an escape sequence) shown escaped."""
    text = text_block(text)
    sys.stdout.write(text if text.endswith("\n") else text + "\n")


def out_json(obj) -> None:
    out_data(json.dumps(obj, ensure_ascii=False, indent=2) + "\n", is_json=True)


def out_data(text: str, is_json: bool = False) -> None:
    """A document: JSON with every control character as a `\\u` escape (the same value); CSV as it is,
    or escaped when stdout is a terminal."""
    sys.stdout.write(json_text(text) if is_json else text_block(text) if sys.stdout.isatty() else text)


def side_spec(case: Path) -> Path | None:
    """CASE/uncertainty.toml when the case has one (a regular file inside the case folder)."""
    from ..files.inputfile import side_file
    from ..files.tomlfile import MAX_TOML_BYTES
    return side_file(case, "uncertainty.toml", MAX_TOML_BYTES)


def write_output(path: Path, text: str, ws, result, extra=(), reads=None, note: str = "") -> None:
    """Write an output atomically, once outputs.py allows it (never over what the run read)."""
    from ..files.atomic import write_atomic
    from ..files.outputs import check_output, reads_of_case
    check_output(path, reads or reads_of_case(ws, result, extra))
    write_atomic(path, text)
    print(f"wrote {path}{note}", file=sys.stderr)
