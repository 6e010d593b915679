"""The documentation's Notebook page: docs/notebook.ipynb with its saved outputs (executed by
scripts/run_notebook.py, checked by tests/test_notebook_run.py), as Markdown.

Markdown cells are kept; code cells become Python code blocks; an output is shown as its HTML
(pcf's result tables, pandas frames), else as text. An HTML output is pcf's or pandas' rendering of
the repository's own example, and is put in as one HTML block: its blank lines are dropped, since
a blank line would end the block and hand the rest to Markdown.
"""
from __future__ import annotations

import json
from pathlib import Path


def notebook_page(path: Path, t=None) -> str:
    """The notebook as a page; its cells are in the language they were written in (English), and a
    page in another language says so before them."""
    nb = json.loads(Path(path).read_text(encoding="utf-8"))
    out: list[str] = []
    if t is not None and t.lang != "en":
        out += [t("The notebook below is written in English; its outputs are pcf's own."), ""]
    for cell in nb.get("cells", []):
        source = "".join(cell.get("source", []))
        if cell.get("cell_type") == "markdown":
            out += [source, ""]
            continue
        if cell.get("cell_type") != "code":
            continue
        out += ["```python", source, "```", ""]
        for o in cell.get("outputs", []):
            data = o.get("data", {})
            if "text/html" in data:
                block = "".join(data["text/html"])
                out += ['<div class="pcf-notebook-output">'
                        + "\n".join(line for line in block.splitlines() if line.strip()) + "</div>", ""]
            elif o.get("output_type") == "stream" or "text/plain" in data:
                text = "".join(o.get("text", "")) if o.get("output_type") == "stream" else "".join(data["text/plain"])
                fence = "````" if "```" in text else "```"
                out += [fence + "text", text.rstrip("\n"), fence, ""]
    return "\n".join(out)
