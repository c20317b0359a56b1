"""Where the project's own files are."""
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[2]
STACK_DIR = PROJECT_DIR / "stack"
BACKEND_DIR = STACK_DIR / "backend"
DATA_DIR = PROJECT_DIR / "data"
