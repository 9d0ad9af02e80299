"""App configuration of rewards."""

from django.apps import AppConfig


class RewardsConfig(AppConfig):
    name = "rewards"
    verbose_name = "Points and rewards"

    def ready(self):
        # Webhook receivers, and the delivery task registered for the worker.
        from . import webhooks

        webhooks.connect()
