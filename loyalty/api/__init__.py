"""The integration REST API under /api/v1/ (its models are in ``rewards.models``)."""
