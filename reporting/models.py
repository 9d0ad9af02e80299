"""Reporting models (see the accounting reports issue)."""
