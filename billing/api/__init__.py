"""Billing's REST API under /api/v1/billing/ (serializers.py, views.py, urls.py)."""
