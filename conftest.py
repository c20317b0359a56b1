"""Project-wide pytest set-up (root level, so it also applies to `pytest notebooks/`)."""
import os
import tempfile


def pytest_configure(config):
    """Runs and reports written by tests and by notebooks under nbval (their kernels inherit
    the environment) go to a temp folder, never into the repository's data/."""
    if not os.environ.get("BREAKERLAB_DATA_DIR"):
        os.environ["BREAKERLAB_DATA_DIR"] = tempfile.mkdtemp(prefix="breakerlab-test-data-")
