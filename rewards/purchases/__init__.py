"""Purchases: recording one, refunds and reversals, the allocation of a sale to its points."""
