"""The member portal: the pages a member sees (URL namespace ``portal``).

A surface on top of every app: it reads members, rewards and referrals through their
selectors (typed dataclasses) and writes only through their services.
"""
