"""Where the source tree's data lives: pcf is installed in editable mode and reads its grammar,
knowledge base and method library from the checkout (see pyproject.toml)."""
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GRAMMAR_PATH = ROOT / "grammar" / "pcf.lark"
DEFAULT_KB_DIR = ROOT / "kb"
DEFAULT_UNITS_FILE = DEFAULT_KB_DIR / "units.txt"
DEFAULT_METHODS_DIR = ROOT / "methods"
