"""A small Language Server Protocol client over stdio: how the tests and the documentation's
screenshots drive `pcf lsp` as an editor would (Content-Length framed JSON-RPC, no library).

    >>> c = LspClient([sys.executable, "-m", "pcf.cli", "lsp"])          # doctest: +SKIP
    >>> caps = c.initialize()                                              # doctest: +SKIP
    >>> c.open(uri, text); c.diagnostics(uri)                              # doctest: +SKIP
"""
from __future__ import annotations

import json
import subprocess
import sys
import time
from typing import Callable


class LspClient:
    def __init__(self, command: list[str] | None = None):
        self.proc = subprocess.Popen(command or [sys.executable, "-c", "from pcf.cli import main; main(['lsp'])"],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.next_id = 0

    # --- the wire ---------------------------------------------------------------------

    def send(self, method: str, params: dict, request: bool = True) -> int | None:
        msg = {"jsonrpc": "2.0", "method": method, "params": params}
        if request:
            self.next_id += 1
            msg["id"] = self.next_id
        body = json.dumps(msg).encode("utf-8")
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()
        return msg.get("id")

    def read(self) -> dict:
        length = 0
        while True:
            line = self.proc.stdout.readline()
            if not line:
                raise EOFError(self.proc.stderr.read().decode("utf-8", "replace")[-2000:])
            if line in (b"\r\n", b"\n"):
                break
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        return json.loads(self.proc.stdout.read(length))

    def wait_for(self, pred: Callable[[dict], bool], timeout: float = 60.0) -> dict:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            msg = self.read()
            if pred(msg):
                return msg
        raise TimeoutError

    def request(self, method: str, params: dict) -> dict:
        """The result of a request (the server's error raised as RuntimeError)."""
        rid = self.send(method, params)
        msg = self.wait_for(lambda m: m.get("id") == rid)
        if "error" in msg:
            raise RuntimeError(msg["error"])
        return msg.get("result")

    # --- what an editor does ----------------------------------------------------------

    def initialize(self) -> dict:
        """The server's capabilities, after the initialize / initialized handshake."""
        caps = self.request("initialize", {"processId": None, "rootUri": None, "capabilities": {}})["capabilities"]
        self.send("initialized", {}, request=False)
        return caps

    def open(self, uri: str, text: str) -> None:
        self.send("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "pcf", "version": 1,
                                                             "text": text}}, request=False)

    def diagnostics(self, uri: str) -> list[dict]:
        """The next diagnostics the server publishes for `uri`."""
        msg = self.wait_for(lambda m: m.get("method") == "textDocument/publishDiagnostics"
                            and m["params"]["uri"] == uri)
        return msg["params"]["diagnostics"]

    def at(self, method: str, uri: str, line: int, character: int, **extra) -> dict | None:
        """A request about a position (hover, definition, completion ...)."""
        return self.request(method, {"textDocument": {"uri": uri}, "position": {"line": line, "character": character},
                                     **extra})

    def close(self) -> int:
        """Shut the server down as an editor does; its exit status."""
        try:
            self.request("shutdown", {})
            self.send("exit", {}, request=False)
            return self.proc.wait(timeout=30)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
