"""A throwaway OpenID Connect provider (oidc-provider-mock) for the sign-in tests."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.support.ports import free_port
from tests.support.server import answers, start, stop, wait_until

MOCK = Path(sys.executable).with_name("oidc-provider-mock")
#: The user the provider signs in without a form.
ALICE = {"sub": "alice", "email": "alice@example.org", "email_verified": True, "name": "Alice Martin"}


@contextmanager
def oidc_provider(log: Path, timeout: float) -> Iterator[str]:
    """The provider's base URL once it serves its discovery document; stopped on exit."""
    port = free_port()
    command = [str(MOCK), "--host", "127.0.0.1", "--port", str(port), "--user-claims", json.dumps(ALICE)]
    process = start(command, log)
    url = f"http://127.0.0.1:{port}"
    try:
        discovery = f"{url}/.well-known/openid-configuration"
        wait_until(lambda: answers(discovery), "oidc-provider-mock", process, log, timeout)
        yield url
    finally:
        stop(process)
