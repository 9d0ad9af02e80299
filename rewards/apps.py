"""App configuration of rewards."""

from django.apps import AppConfig


class RewardsConfig(AppConfig):
    name = "rewards"
    verbose_name = "Points and rewards"

    def ready(self):
        from django.db.models.signals import post_migrate, post_save

        from members.models import Member

        from . import signals
        from .actions.services import on_member_created
        from .earning import config
        from .tiers import receivers as tiers

        # The triggers that tell every process when the cached settings changed.
        post_migrate.connect(config.install_triggers, sender=self, dispatch_uid="config_triggers")

        # Tiers: a signal that can raise a measure upgrades the member at once.
        signals.purchase_recorded.connect(tiers.on_purchase_recorded, dispatch_uid="tier_purchase")
        signals.points_credited.connect(tiers.on_points_credited, dispatch_uid="tier_credit")
        signals.points_released.connect(tiers.on_points_released, dispatch_uid="tier_release")
        signals.purchases_imported.connect(tiers.on_purchases_imported, dispatch_uid="tier_import")
        # The sign-up bonus is credited when a member is created, whoever creates it.
        post_save.connect(on_member_created, sender=Member, dispatch_uid="signup_bonus")

        # Members' emails: a redemption's code, a tier change.
        from members import signals as member_signals

        from . import notifications, perks

        signals.redemption_created.connect(
            notifications.on_redemption_created, dispatch_uid="email_redemption_code"
        )
        member_signals.tier_changed.connect(
            notifications.on_tier_changed, dispatch_uid="email_tier_change"
        )
        member_signals.tier_changed.connect(perks.on_tier_changed, dispatch_uid="tier_welcome")

        # Webhook receivers, and the delivery task registered for the worker.
        from . import webhooks

        webhooks.connect()
