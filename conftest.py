"""Orion's pytest plugin is registered through the `pytest11` entry point (orion.plugin); nothing else lives here."""
