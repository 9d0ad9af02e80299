"""The admin of rewards, one module per capability; importing the package registers them all.

The member page's parts (ledger, membership, tiers, actions) are composed into the one
member admin by ``loyalty.admin``; nothing here registers or unregisters ``Member``.
"""

from ..importing import admin as importing  # noqa: F401  upload, preview, confirm, progress
from . import (  # noqa: F401
    actions,
    adjustments,
    api,
    catalog,
    ledger,
    purchases,
    settings,
    tiers,
)
