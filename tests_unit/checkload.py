"""Load one check function of checks/ to call it with parsed samples, without the plugin."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from typing import Any

from orion import PROJECT_ROOT


def check_function(relpath: str, name: str) -> Callable[..., Any]:
    """A check function of checks/ (e.g. "security/test_ssh.py"), loaded under a private module name so that it
    can be called with parsed samples, without the plugin (a check module's own name belongs to `orion matrix`)."""
    path = PROJECT_ROOT / "checks" / relpath
    spec = importlib.util.spec_from_file_location(f"orion_check_{path.stem}", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, name)
