"""API views, one module per area; each view is one operation with small serializers."""
