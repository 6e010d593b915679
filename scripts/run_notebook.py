"""Execute docs/notebook.ipynb from the repository's root and write it back with its outputs.

    .venv/bin/python scripts/run_notebook.py            # refresh the outputs the site shows
    .venv/bin/python scripts/run_notebook.py --check    # exit 1 if a fresh run's outputs differ

The site (`Notebook` page, engine/render/notebookpage.py) shows the outputs saved in the file;
tests/test_notebook_run.py runs the notebook in a fresh kernel and compares pcf's outputs with
the saved ones, so the page cannot show a result the code no longer gives. Needs nbclient and
ipykernel (in the test extra).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "docs" / "notebook.ipynb"


def execute(path: Path = NOTEBOOK):
    """The notebook, run top to bottom in a fresh python3 kernel with the repository as its folder."""
    import nbformat
    from nbclient import NotebookClient
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}}).execute()
    for cell in nb.cells:               # no timestamps: the file changes only when an output does
        cell.metadata.pop("execution", None)
    return nb


def pcf_outputs(nb) -> list:
    """What pcf printed, cell by cell: its HTML result tables, streams, plain results that are not
    pandas frames (whose HTML depends on the pandas version)."""
    out = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for o in cell.outputs:
            data = o.get("data", {})
            if o.output_type == "stream":
                out.append(("stream", o.text))
            elif "text/html" in data and "pcf-result" in data["text/html"]:
                out.append(("html", data["text/html"]))
            elif "text/html" not in data and "text/plain" in data:
                out.append(("plain", data["text/plain"]))
    return out


def main(argv: list[str] | None = None) -> int:
    import nbformat
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true", help="compare a fresh run with the saved outputs")
    args = ap.parse_args(argv)
    nb = execute()
    if args.check:
        saved = nbformat.read(NOTEBOOK, as_version=4)
        same = pcf_outputs(nb) == pcf_outputs(saved)
        print("outputs as saved" if same else "outputs differ: run scripts/run_notebook.py")
        return 0 if same else 1
    nbformat.write(nb, NOTEBOOK)
    print(f"wrote {NOTEBOOK.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
