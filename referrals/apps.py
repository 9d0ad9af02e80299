"""App configuration of referrals."""

from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "referrals"
    verbose_name = "Referrals"

    def ready(self):
        from rewards import signals

        from . import services

        signals.purchase_recorded.connect(
            services.on_purchase_recorded, dispatch_uid="referral_buy"
        )
        signals.purchase_refunded.connect(
            services.on_purchase_refunded, dispatch_uid="referral_refund"
        )
