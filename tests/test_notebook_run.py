"""docs/notebook.ipynb runs in a fresh Jupyter kernel (nbclient, ipykernel) from the repository's
root, gives the outputs saved in the file (which the site's Notebook page shows), and its result
table is pcf's `_repr_html_` of seed 003."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]


def _script():
    spec = importlib.util.spec_from_file_location("run_notebook", ROOT / "scripts" / "run_notebook.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def executed():
    return _script().execute()


def test_the_notebook_runs_and_gives_the_saved_outputs(executed):
    run = _script()
    saved = nbformat.read(run.NOTEBOOK, as_version=4)
    assert run.pcf_outputs(executed) == run.pcf_outputs(saved), "run scripts/run_notebook.py"
    assert not [o for c in executed.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]


def test_its_result_table_is_pcfs(executed, ws):
    from pcf.render.text import fmt_share, fmt_value
    r = ws.run_case(ROOT / "examples" / "seed-003-metering-box")
    first = [o for o in executed.cells[1].outputs if "data" in o][0]["data"]["text/html"]
    assert first.startswith('<div class="pcf-result">')
    p = r.products[0]
    assert f"<b>{fmt_value(p.total)}</b>" in first or fmt_value(p.total) in first
    assert fmt_share(p.shares["raw_material"]) in first
    frame = [o for o in executed.cells[3].outputs if "data" in o][0]["data"]["text/html"]
    assert "kgCO2e per functional unit" in frame and "raw_material" in frame
    # the what-if cell: the steel part as given and under each scenario (worked case d: 2.872 as given)
    plain = [o for o in executed.cells[9].outputs if "data" in o][0]["data"]["text/plain"]
    assert "'as given': 2.872" in plain


def test_the_site_page_shows_the_saved_outputs():
    from pcf.render.notebookpage import notebook_page
    page = notebook_page(ROOT / "docs" / "notebook.ipynb")
    assert '<div class="pcf-notebook-output"><div class="pcf-result">' in page
    assert "```python\nimport pcf" in page and "diesel_ef 柴油排放因子 = 3.0959 kgCO2/kg" in page
    # an HTML output stays one block: no blank line inside it
    for block in page.split('<div class="pcf-notebook-output">')[1:]:
        assert "\n\n" not in block.split("</div>\n\n")[0]
