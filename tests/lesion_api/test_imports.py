"""lesion_api is the wire contract only: importing it loads no numpy, image or web code."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("numpy", "PIL", "flask", "requests", "tensorflow", "training", "backend", "frontend")


def test_importing_every_module_loads_nothing_heavy() -> None:
    code = (
        "import sys\n"
        "import lesion_api.errors, lesion_api.localization, lesion_api.predictions\n"
        "import lesion_api.requests, lesion_api.rows, lesion_api.service\n"
        f"print([m for m in {HEAVY!r} if m in sys.modules])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "[]"
