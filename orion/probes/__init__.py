"""Thin clients that checks observe the homelab through. Each turns "could not observe" into ObservationError."""
