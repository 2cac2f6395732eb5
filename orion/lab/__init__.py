"""The lab: the homelab's own stacks on real daemons in local Docker (``orion lab ...``)."""
