// Starts `pcf lsp` (stdio) for .pcf files: every answer comes from pcf's own engine.
const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const config = vscode.workspace.getConfiguration("pcf");
  const command = config.get("command", "pcf");
  const args = [...config.get("extraArgs", []), "lsp"];
  client = new LanguageClient(
    "pcf",
    "pcf language server",
    { command, args },
    { documentSelector: [{ scheme: "file", language: "pcf" }] }
  );
  context.subscriptions.push({ dispose: () => client && client.stop() });
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
