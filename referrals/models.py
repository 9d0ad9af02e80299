"""Referral models (see the tiers and referrals issue)."""
