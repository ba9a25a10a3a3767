"""(being written)"""

from __future__ import annotations


def register() -> None:
    """Wire this part into the platform (event handlers, daily jobs, menu entries); called from
    CreditConfig.ready."""
