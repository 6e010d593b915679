"""`pcf lsp`: a Language Server (stdio) for method files, over the engine (editor/analysis.py).

Diagnostics are published when a `.pcf` file is opened, changed (debounced: a check runs once the
typing has paused for DEBOUNCE seconds) or saved, with pcf's codes, messages, positions and hints;
hover, go to definition, completion and document symbols answer from the same analysis. The
workspace (units, knowledge base, method library) is loaded once, when the server starts.
"""
from __future__ import annotations

import threading
from pathlib import Path

from ..core.errors import Diagnostic

DEBOUNCE = 0.3   # seconds


def serve(kb_choice=None) -> None:
    from lsprotocol import types as t
    from pygls.lsp.server import LanguageServer

    from .. import __version__
    from ..api import Workspace
    from . import analysis

    ws = Workspace.load(kb_choice) if kb_choice is not None else Workspace.load()
    server = LanguageServer("pcf", __version__)
    timers: dict[str, threading.Timer] = {}

    def path_of(uri: str) -> str:
        from pygls.uris import to_fs_path
        return to_fs_path(uri) or uri

    def publish(uri: str) -> None:
        doc = server.workspace.get_text_document(uri)
        path = path_of(uri)
        if path.endswith(".toml"):   # a case.toml or an inventory: checked as saved on disk
            errors, warnings = analysis.toml_diagnostics(ws, path), []
        else:
            errors, warnings = analysis.diagnostics(ws, doc.source, path)
        items = [_lsp(d, t.DiagnosticSeverity.Error, path) for d in errors] + \
            [_lsp(d, t.DiagnosticSeverity.Warning, path) for d in warnings]
        server.text_document_publish_diagnostics(t.PublishDiagnosticsParams(uri=uri, diagnostics=items))

    def later(uri: str) -> None:
        old = timers.pop(uri, None)
        if old is not None:
            old.cancel()
        timer = threading.Timer(DEBOUNCE, publish, (uri,))
        timers[uri] = timer
        timer.start()

    @server.feature(t.TEXT_DOCUMENT_DID_OPEN)
    def did_open(params: t.DidOpenTextDocumentParams):
        publish(params.text_document.uri)

    @server.feature(t.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(params: t.DidChangeTextDocumentParams):
        if not params.text_document.uri.endswith(".toml"):   # TOML files are checked when saved
            later(params.text_document.uri)

    @server.feature(t.TEXT_DOCUMENT_DID_SAVE)
    def did_save(params: t.DidSaveTextDocumentParams):
        publish(params.text_document.uri)

    @server.feature(t.TEXT_DOCUMENT_HOVER)
    def hover(params: t.HoverParams):
        doc = server.workspace.get_text_document(params.text_document.uri)
        text = analysis.hover(ws, doc.source, path_of(doc.uri), params.position.line, params.position.character)
        return None if text is None else t.Hover(contents=t.MarkupContent(kind=t.MarkupKind.Markdown, value=text))

    @server.feature(t.TEXT_DOCUMENT_DEFINITION)
    def definition(params: t.DefinitionParams):
        from pygls.uris import from_fs_path
        doc = server.workspace.get_text_document(params.text_document.uri)
        place = analysis.definition(ws, doc.source, path_of(doc.uri), params.position.line, params.position.character)
        if place is None:
            return None
        pos = t.Position(line=place.line, character=place.character)
        return t.Location(uri=from_fs_path(place.path) or place.path, range=t.Range(start=pos, end=pos))

    @server.feature(t.TEXT_DOCUMENT_REFERENCES)
    def references(params: t.ReferenceParams):
        doc = server.workspace.get_text_document(params.text_document.uri)
        out = []
        for place in analysis.references(doc.source, path_of(doc.uri), params.position.line,
                                         params.position.character):
            pos = t.Position(line=place.line, character=place.character)
            out.append(t.Location(uri=doc.uri, range=t.Range(start=pos, end=pos)))
        return out

    @server.feature(t.TEXT_DOCUMENT_RENAME)
    def rename(params: t.RenameParams):
        from pygls.uris import from_fs_path
        doc = server.workspace.get_text_document(params.text_document.uri)
        found = analysis.rename_edits(ws, doc.source, path_of(doc.uri), params.position.line, params.position.character,
                                params.new_name)
        if found is None:
            return None
        changes = {}
        for file, places in found.items():
            uri = doc.uri if file == path_of(doc.uri) else (from_fs_path(file) or file)
            old = analysis.token_at(doc.source, params.position.line, params.position.character) or ""
            changes[uri] = [t.TextEdit(range=t.Range(start=t.Position(line=p.line, character=p.character),
                                                     end=t.Position(line=p.line, character=p.character + len(old))),
                                       new_text=params.new_name) for p in places]
        return t.WorkspaceEdit(changes=changes)

    @server.feature(t.TEXT_DOCUMENT_FORMATTING)
    def formatting(params: t.DocumentFormattingParams):
        doc = server.workspace.get_text_document(params.text_document.uri)
        new = analysis.formatted(doc.source, path_of(doc.uri))
        if new is None:
            return []
        end = t.Position(line=len(doc.lines), character=0)
        return [t.TextEdit(range=t.Range(start=t.Position(line=0, character=0), end=end), new_text=new)]

    legend = t.SemanticTokensLegend(token_types=list(analysis.SEMANTIC_TYPES), token_modifiers=[])

    @server.feature(t.TEXT_DOCUMENT_SEMANTIC_TOKENS_FULL, legend)
    def semantic_tokens(params: t.SemanticTokensParams):
        doc = server.workspace.get_text_document(params.text_document.uri)
        data, last_line, last_start = [], 0, 0
        for line, start, length, kind in analysis.semantic_tokens(ws, doc.source, path_of(doc.uri)):
            delta_start = start - last_start if line == last_line else start
            data += [line - last_line, delta_start, length, analysis.SEMANTIC_TYPES.index(kind), 0]
            last_line, last_start = line, start
        return t.SemanticTokens(data=data)

    @server.feature(t.TEXT_DOCUMENT_COMPLETION, t.CompletionOptions(trigger_characters=["."]))
    def completion(params: t.CompletionParams):
        doc = server.workspace.get_text_document(params.text_document.uri)
        kinds = {"kb": t.CompletionItemKind.Constant, "keyword": t.CompletionItemKind.Keyword,
                 "input": t.CompletionItemKind.Variable, "let": t.CompletionItemKind.Variable,
                 "emission": t.CompletionItemKind.Function, "table": t.CompletionItemKind.Struct,
                 "map": t.CompletionItemKind.Enum, "stage": t.CompletionItemKind.Module,
                 "unit": t.CompletionItemKind.Unit}
        items = analysis.completions(ws, doc.source, path_of(doc.uri), params.position.line, params.position.character)
        return t.CompletionList(is_incomplete=False, items=[
            t.CompletionItem(label=label, kind=kinds.get(kind, t.CompletionItemKind.Text), detail=detail or None)
            for label, kind, detail in items])

    @server.feature(t.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
    def document_symbols(params: t.DocumentSymbolParams):
        doc = server.workspace.get_text_document(params.text_document.uri)
        kinds = {"stage": t.SymbolKind.Module, "input": t.SymbolKind.Variable, "table": t.SymbolKind.Struct,
                 "map": t.SymbolKind.Enum, "let": t.SymbolKind.Constant, "emission": t.SymbolKind.Function,
                 "check": t.SymbolKind.Event, "scenario": t.SymbolKind.Namespace}
        out = []
        for s in analysis.symbols(doc.source, path_of(doc.uri)):
            pos = t.Position(line=s.line, character=s.character)
            out.append(t.DocumentSymbol(name=s.name, detail=s.kind, kind=kinds.get(s.kind, t.SymbolKind.Object),
                                        range=t.Range(start=pos, end=pos), selection_range=t.Range(start=pos, end=pos)))
        return out

    server.start_io()


def _lsp(d: Diagnostic, severity, path: str):
    """A pcf diagnostic as an LSP one; a problem in another file (a base method) is shown on line 1."""
    from lsprotocol import types as t
    span = d.span
    message = d.message.removeprefix("warning: ") + (f"\nhint: {d.hint}" if d.hint else "")
    if span is None or (span.path and Path(span.path).resolve() != Path(path).resolve() and span.path != path):
        where = f" ({span.path}:{span.line}:{span.column})" if span is not None else ""
        start = end = t.Position(line=0, character=0)
        message += where
    else:
        start = t.Position(line=max(span.line - 1, 0), character=max(span.column - 1, 0))
        end_line = (span.end_line or span.line) - 1
        end_col = (span.end_column - 1) if span.end_column else start.character + 1
        end = t.Position(line=max(end_line, 0), character=max(end_col, start.character + (end_line == start.line)))
    return t.Diagnostic(range=t.Range(start=start, end=end), message=message, severity=severity, code=d.code,
                        source="pcf")
