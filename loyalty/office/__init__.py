"""The back office's admin site: merchant navigation and the dashboard home page."""
