"""Orion the assistant: answers the owner's questions from the homelab's metrics, logs, checks and apps.

Read-only by construction: named tools (orion.assistant.tools) read Prometheus, Loki, the check history, the
remediation audit log, Jellyfin and qBittorrent; a deterministic router (orion.assistant.router) answers the
common questions from them without waiting on a model; an open question may go to the local LLM
(orion.assistant.llm), which can call the same named tools and nothing else. `orion ask` and `orion bot`
(orion.assistant.bot) answer through the same router.
"""
