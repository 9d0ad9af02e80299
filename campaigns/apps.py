"""App configuration of campaigns: segments, campaigns, control groups, lifecycle messages."""

from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "campaigns"
    verbose_name = "Campaigns and messages"
