"""The report as PDF: the HTML report printed by headless Chromium.

Chromium, not WeasyPrint: it is the browser the test suite already drives (CI installs it), it
shapes Chinese text with the system's CJK fonts as the HTML report is shown, and since version
131 it prints CSS `@page` margin boxes, which carry the page numbers ("第 3 / 12 页"). WeasyPrint
would be a second layout engine to keep in step with the first, and a larger dependency.

The HTML is written to a private temporary folder and printed offline: the report's own
Content-Security-Policy forbids every fetch and script, and Chromium gets a fresh profile. No
header or footer of Chromium's (they would print the temporary file's path): the page numbers
and the title come from the report's print stylesheet.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from ..core.errors import Diagnostic, PcfError
from ..files.atomic import write_atomic

TIMEOUT = 180   # seconds
FLAGS = ("--headless", "--disable-gpu", "--no-first-run", "--no-default-browser-check", "--disable-extensions",
         "--disable-background-networking", "--disable-sync", "--no-pdf-header-footer",
         "--host-resolver-rules=MAP * ~NOTFOUND")


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    raise PcfError([Diagnostic("output", "a PDF report is printed by headless Chromium, which is not installed",
                               None, path="pcf", hint="install it (Debian: apt-get install chromium), or write "
                               "--format html and print that")])


def html_to_pdf(html: str) -> bytes:
    exe = chromium()
    with tempfile.TemporaryDirectory(prefix="pcf-pdf-") as tmp:
        page, pdf, profile = Path(tmp) / "report.html", Path(tmp) / "report.pdf", Path(tmp) / "profile"
        write_atomic(page, html)
        cmd = [exe, *FLAGS, f"--user-data-dir={profile}", f"--print-to-pdf={pdf}", page.as_uri()]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            cmd.insert(1, "--no-sandbox")   # Chromium refuses to run as root with its sandbox
        try:
            proc = subprocess.run(cmd, capture_output=True, timeout=TIMEOUT, check=False)
        except subprocess.TimeoutExpired:
            raise PcfError([Diagnostic("output", f"Chromium did not print the PDF within {TIMEOUT} s", None,
                                       path="pcf")]) from None
        if not pdf.is_file() or pdf.stat().st_size == 0:
            tail = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no message"]
            raise PcfError([Diagnostic("output", f"Chromium printed no PDF (exit {proc.returncode}: {tail[0][:200]})",
                                       None, path="pcf")])
        return pdf.read_bytes()
