"""Reporting: points liability, breakage, IFRS 15 deferred revenue, roll-forward, KPIs."""
