"""The rewards app's models, one module per capability (Django's models package).

``program`` the program's settings and channels; ``earning`` earn rules and the settings
version; ``purchases`` purchases, lines and refunds; ``catalog`` rewards and redemptions;
``ledger`` the points ledger (entries, lots, movements); ``expiry`` reminders and policy
changes; ``actions`` action rules and members' actions; ``adjustments`` adjustment requests;
``imports`` bulk import jobs; ``accounting`` redemption-rate estimates; ``api`` the
integration API's keys, idempotency records and webhooks.
"""

from .accounting import RedemptionRateEstimate
from .actions import ActionRule, MemberAction
from .adjustments import AdjustmentRequest
from .api import (
    KEY_PREFIX,
    ApiKey,
    IdempotencyRecord,
    WebhookDelivery,
    WebhookEndpoint,
    hash_secret,
    new_webhook_secret,
)
from .base import MONEY, collect, parse_reminder_days, validate_reminder_days
from .catalog import Redemption, Reward
from .earning import ConfigVersion, EarnRule, RuleAudience, RuleBudget
from .expiry import ExpiryPolicyChange, ExpiryReminder
from .imports import ImportJob
from .ledger import LedgerEntry, LotMovement, PointLot
from .perks import TierWelcome
from .program import Channel, Program
from .purchases import Purchase, PurchaseLine, Refund

__all__ = [
    "KEY_PREFIX",
    "MONEY",
    "ActionRule",
    "AdjustmentRequest",
    "ApiKey",
    "Channel",
    "ConfigVersion",
    "EarnRule",
    "ExpiryPolicyChange",
    "ExpiryReminder",
    "IdempotencyRecord",
    "ImportJob",
    "LedgerEntry",
    "LotMovement",
    "MemberAction",
    "PointLot",
    "Program",
    "Purchase",
    "PurchaseLine",
    "Redemption",
    "RedemptionRateEstimate",
    "RuleAudience",
    "RuleBudget",
    "Refund",
    "Reward",
    "TierWelcome",
    "WebhookDelivery",
    "WebhookEndpoint",
    "collect",
    "hash_secret",
    "new_webhook_secret",
    "parse_reminder_days",
    "validate_reminder_days",
]
