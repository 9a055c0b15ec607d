"""What this build is: its version, and the example configuration shipped with it.

Kept free of heavy imports: `staffroom --version` and `staffroom config example` read only
this module.
"""

from __future__ import annotations

from importlib import metadata, resources


def version() -> str:
    """The installed distribution's version ("unknown" when run from a bare checkout)."""
    try:
        return metadata.version("staffroom")
    except metadata.PackageNotFoundError:
        return "unknown"


def config_example() -> str:
    """`config.example.toml`, every setting with its default and what it does."""
    return resources.files("bot").joinpath("config.example.toml").read_text(encoding="utf-8")
