"""Screenshots of `pcf lsp` at work, for the documentation's "Editing method files" page.

    .venv/bin/python scripts/editor_screens.py --no-html docs/assets/editor

Starts the language server as an editor would (engine/editor/client.py over stdio), opens a small
method three times and asks what VS Code asks: the diagnostics of a file with a unit error, the
hover on a `kb.` id, the completion after `kb.cn.electricity.`. Each answer is drawn by
engine/render/editorview.py (the file with the server's semantic colours, squiggles, the popup,
the problems panel) and photographed in headless Chromium: `<name>.html` and `<name>.png` for
diagnostics, hover and completion. VS Code does not run on the machines pcf is built on; these
are the server's real answers drawn as VS Code's light theme draws them.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from pcf.editor.client import LspClient
from pcf.render.editorview import Popup, decode_tokens, editor_html
from pcf.render.reportpdf import FLAGS, chromium

METHOD = '''# A variant of the library's electrical method: a box whose power is partly green.
method acme.box "配电箱 (example)" extends iso14067.electrical {
  input green_share : % "share of green electricity"

  let green_ef "green electricity" = 0.05 kgCO2e/kWh
  let grid_ef "grid electricity" = kb.cn.electricity.cfp.national
  override let electricity_ef "blended electricity"
      = green_share * green_ef + (1 - green_share) * grid_ef
}
'''
BROKEN = METHOD.replace("(1 - green_share) * grid_ef", "(1 - green_share) * grid_ef + 0.2 kg")
TYPING = METHOD.replace("kb.cn.electricity.cfp.national", "kb.cn.electricity.")
SIZE = (1160, 430)


def capture(out: Path, keep_html: bool = True) -> dict[str, dict]:
    """Write diagnostics/hover/completion .html and .png into `out`; returns what the server said
    for each (the tests check it against the pages)."""
    out.mkdir(parents=True, exist_ok=True)
    said: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="pcf-screens-") as tmp:
        files = {name: Path(tmp) / f"{name}.pcf" for name in ("broken", "box", "typing")}
        for name, text in (("broken", BROKEN), ("box", METHOD), ("typing", TYPING)):
            files[name].write_text(text, encoding="utf-8")
        client = LspClient()
        try:
            legend = client.initialize()["semanticTokensProvider"]["legend"]["tokenTypes"]

            def tokens(uri):
                return decode_tokens(client.request("textDocument/semanticTokens/full",
                                                    {"textDocument": {"uri": uri}})["data"], legend)

            uri = files["broken"].as_uri()
            client.open(uri, BROKEN)
            diags = client.diagnostics(uri)
            said["diagnostics"] = {"diagnostics": diags}
            _page(out, "diagnostics", keep_html, editor_html("box.pcf", BROKEN, tokens(uri), diags))

            uri = files["box"].as_uri()
            client.open(uri, METHOD)
            diags = client.diagnostics(uri)
            line = METHOD.split("\n").index("  let grid_ef \"grid electricity\" = kb.cn.electricity.cfp.national")
            character = METHOD.split("\n")[line].index("kb.") + 12
            hover = client.at("textDocument/hover", uri, line, character)["contents"]["value"]
            said["hover"] = {"line": line, "character": character, "markdown": hover, "diagnostics": diags}
            _page(out, "hover", keep_html, editor_html("box.pcf", METHOD, tokens(uri), diags,
                                            Popup(line, METHOD.split("\n")[line].index("kb."), markdown=hover)))

            uri = files["typing"].as_uri()
            client.open(uri, TYPING)
            typing_diags = client.diagnostics(uri)    # mid-word the file does not parse: shown as VS Code would
            row = TYPING.split("\n").index("  let grid_ef \"grid electricity\" = kb.cn.electricity.")
            end = len(TYPING.split("\n")[row])
            items = client.at("textDocument/completion", uri, row, end)["items"]
            shown = tuple((i["label"], i.get("detail") or "") for i in items[:9])
            said["completion"] = {"line": row, "character": end, "items": items}
            _page(out, "completion", keep_html, editor_html("box.pcf", TYPING, tokens(uri), typing_diags,
                                                 Popup(row, end, items=shown)))
        finally:
            client.close()
    return said


def _page(out: Path, name: str, keep_html: bool, html: str) -> None:
    shot = out / f"{name}.png"
    with tempfile.TemporaryDirectory(prefix="pcf-chromium-") as profile:
        page = (out if keep_html else Path(profile)) / f"{name}.html"
        page.write_text(html, encoding="utf-8")
        cmd = [chromium(), *FLAGS, f"--user-data-dir={profile}", f"--window-size={SIZE[0]},{SIZE[1]}",
               "--hide-scrollbars", f"--screenshot={shot}", page.resolve().as_uri()]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            cmd.insert(1, "--no-sandbox")
        subprocess.run(cmd, capture_output=True, timeout=180, check=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", type=Path, help="folder for the .png files (and the .html pages)")
    ap.add_argument("--no-html", action="store_true", help="write the pictures only (the docs' copies)")
    args = ap.parse_args(argv)
    said = capture(args.out, keep_html=not args.no_html)
    for name in said:
        print(args.out / f"{name}.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
