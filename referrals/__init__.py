"""Referrals: referral codes, referees, qualification and two-sided rewards."""
