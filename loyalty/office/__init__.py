"""The back office's admin site: merchant navigation, the dashboard home page, the till."""
