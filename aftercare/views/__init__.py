"""Pages of the core domain."""
