"""English dates as the portal has always shown them: 8 Dec 2026, never 12/8/2026."""

DATE_FORMAT = "j M Y"
