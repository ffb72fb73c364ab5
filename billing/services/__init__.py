"""Writes of billing, one module per area: ledger, exemptions, runs (semester billing and
term-end settlement), payments, receipts, refunds."""
