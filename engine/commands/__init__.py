"""The `pcf` subcommands, by what they act on; `pcf.cli` parses and dispatches."""
