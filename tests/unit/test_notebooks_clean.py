"""Notebooks are committed without outputs, with one literal-only `parameters` cell."""
import ast

import nbformat
import pytest

from harness.paths import PROJECT_DIR

NOTEBOOKS = sorted((PROJECT_DIR / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_without_outputs_and_with_literal_parameters(path):
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code), "clear outputs before committing"
    params = [c for c in code if "parameters" in c.metadata.get("tags", [])]
    assert len(params) == 1, "exactly one cell tagged `parameters`"
    for statement in ast.parse(params[0].source).body:
        assert isinstance(statement, ast.Assign), f"parameters cell: only assignments, got {ast.dump(statement)}"
        ast.literal_eval(statement.value)  # literals only: logic lives in src/
