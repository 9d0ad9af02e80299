"""App configuration of campaigns: segments, campaigns, control groups, lifecycle messages."""

from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "campaigns"
    verbose_name = "Campaigns and messages"

    def ready(self):
        from anymail.signals import tracking

        from . import tracking as receivers

        # The provider's opens and clicks (django-anymail's tracking webhook) onto the sends.
        tracking.connect(receivers.record_event, dispatch_uid="campaigns.tracking.record_event")
