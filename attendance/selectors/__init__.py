"""Reads of attendance that depend on who asks (and the loaders the services share)."""
