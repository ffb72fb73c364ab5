"""Settings of the roll-call benchmark: the benchmarks' settings, with the per-child save
loop served beside the real endpoint (bench/attendance.py is the URL conf)."""

from bench.settings import *  # noqa: F403

ROOT_URLCONF = "bench.attendance"
