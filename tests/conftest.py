"""Under CI, hypothesis replays a fixed set of examples, so that a green run stays green."""

import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")
