"""Tiers in one place: measures, the decision, the writes, the portal's progress.

The Tier and TierChange models stay in ``members`` (a member holds a tier); their rules
live here, where the measures (ledger, purchases) are: ``measures`` (one aggregate query
per measure and window for a batch of members), ``evaluation`` (what should happen, pure),
``services`` (upgrades, re-evaluation, pins, paid tiers), ``selectors`` (a member's
progress to the next tier) and ``receivers`` (instant upgrades on rewards' signals).
"""
