"""App configuration of referrals."""

from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "referrals"
    verbose_name = "Referrals"

    def ready(self):
        from members.signals import personal_data_erased
        from rewards import signals

        from . import privacy, rewarding

        signals.purchase_recorded.connect(
            rewarding.on_purchase_recorded, dispatch_uid="referral_buy"
        )
        signals.purchase_refunded.connect(
            rewarding.on_purchase_refunded, dispatch_uid="referral_refund"
        )
        personal_data_erased.connect(privacy.on_personal_data_erased, dispatch_uid="ref_erase")
