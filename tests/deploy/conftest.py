"""Starting ``dev.py cluster`` for the deployment tests: the helpers live in tests/support/cluster.py."""

from __future__ import annotations

from tests.support.cluster import STARTUP_TIMEOUT, Running, missing, running_cluster
from tests.support.ports import free_port
from tests.support.server import ROOT

# Imported from here by the tests of this folder.
__all__ = ["ROOT", "STARTUP_TIMEOUT", "Running", "free_port", "missing", "running_cluster"]
