"""Where the project's own files are. $BREAKERLAB_DATA_DIR moves data/ (tests point it at a temp folder)."""
import os
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[2]
STACK_DIR = PROJECT_DIR / "stack"
BACKEND_DIR = STACK_DIR / "backend"
DATA_DIR = Path(os.environ.get("BREAKERLAB_DATA_DIR") or PROJECT_DIR / "data")
RAW_DIR = DATA_DIR / "raw"
