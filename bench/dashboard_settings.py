"""Settings of the dashboard benchmark: the benchmarks' settings, with the page's raw-rows
source reachable (``?source=raw``) so both are measured through the same endpoint."""

from bench.settings import *  # noqa: F403

REPORTING_RAW_SOURCE = True
