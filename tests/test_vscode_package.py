"""The VS Code extension (editors/vscode) builds into a .vsix with its documented script
(`npm ci && npm run package`), and the package holds what VS Code needs to start `pcf lsp`.

Node.js and npm are on the machines pcf is built on (the npm registry is one of their
registries; bench/ uses it too). The build runs in a copy of the folder, so nothing is written
into the checkout."""
from __future__ import annotations

import json
import shutil
import subprocess
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXT = ROOT / "editors" / "vscode"


def test_the_extension_builds_into_a_vsix(tmp_path):
    npm, node = shutil.which("npm"), shutil.which("node")
    assert npm and node, "Node.js and npm are needed to build editors/vscode (see its README)"
    work = tmp_path / "vscode"
    shutil.copytree(EXT, work, ignore=shutil.ignore_patterns("node_modules", "*.vsix"))
    subprocess.run([node, "--check", "extension.js"], cwd=work, check=True, timeout=60)
    for cmd in ([npm, "ci", "--no-audit", "--no-fund"], [npm, "run", "package"]):
        done = subprocess.run(cmd, cwd=work, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, f"{' '.join(cmd[1:])}:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
    manifest = json.loads((EXT / "package.json").read_text(encoding="utf-8"))
    vsix = work / f"{manifest['name']}-{manifest['version']}.vsix"
    assert vsix.is_file()
    with zipfile.ZipFile(vsix) as z:
        names = set(z.namelist())
        assert {"extension.vsixmanifest", "extension/package.json", "extension/extension.js",
                "extension/language-configuration.json", "extension/syntaxes/pcf.tmLanguage.json",
                "extension/node_modules/vscode-languageclient/package.json"} <= names
        # the packaged grammar and manifest are the checkout's, byte for byte
        assert z.read("extension/syntaxes/pcf.tmLanguage.json") == (EXT / "syntaxes" / "pcf.tmLanguage.json").read_bytes()
        packaged = json.loads(z.read("extension/package.json"))
        assert packaged["contributes"]["languages"][0]["extensions"] == [".pcf"]
        assert packaged["main"] == "./extension.js"
        vsixmanifest = z.read("extension.vsixmanifest").decode("utf-8")
        assert f'Id="{manifest["name"]}" Version="{manifest["version"]}"' in vsixmanifest
        # no development dependency (vsce and its tree) is shipped
        assert not any(n.startswith("extension/node_modules/@vscode/vsce/") for n in names)
