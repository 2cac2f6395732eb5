"""Remediation: the catalogue, the policy (budgets in the history DB), the runner, the lock and the audit log."""
