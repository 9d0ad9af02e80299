"""Admin of campaigns: segments (live count, export, freeze), campaigns, messages."""

from . import campaigns, messages, segments  # noqa: F401 - registers the admins
