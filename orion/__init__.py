"""Orion: the conformance suite of the Orion homelab."""

from pathlib import Path

__version__ = "0.1.0"

#: The project tree: checks/, stacks/, lab/ and remediations/ live beside the package.
PROJECT_ROOT = Path(__file__).resolve().parent.parent
