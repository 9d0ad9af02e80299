"""Spending points: rewards and discounts, cancellations, codes accepted at a till."""
