"""Rewards: the program, purchases and earn rules, the points ledger, the rewards catalog."""
