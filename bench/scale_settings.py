"""Bench-only settings: the project's settings, served with bench/scale_urls.py as URLconf."""

from rekisteri.settings import *  # noqa: F403 (every setting of the project, unchanged)

ROOT_URLCONF = "bench.scale_urls"
