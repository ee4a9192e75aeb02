"""Under CI, hypothesis replays a fixed set of examples, so that a green run stays green.

Test modules import shared case lists (e.g. ``optim_cases``) from this folder; the scripts that
record PyTorch's answers (``gen_*.py``, ``crosscheck_torch.py``) need torch and are not tests.
"""

import os
import sys
from pathlib import Path

from hypothesis import settings

sys.path.insert(0, str(Path(__file__).parent))
collect_ignore_glob = ["gen_*.py", "crosscheck_*.py"]

settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")
