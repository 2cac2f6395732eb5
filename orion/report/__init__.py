"""Reports: what the history and the run records say, for a person.

- prefs: the reports' language and alert thresholds, from the inventory;
- history_view: queries over the SQLite history (new, still failing and since when, recovered, flapping,
  time-to-fix, remediation outcomes, escalations);
- view: one run as requirements in categories, ready for the templates (reports/*.j2);
- render: the templates and their message catalogue (French first, English);
- entities: Telegram's HTML, checked and measured as Telegram parses it;
- digest: the deterministic digest that fits one Telegram message;
- page: the self-contained HTML report written next to each run record;
- weekly, weekly_facts, chart: the weekly report (MAINT-07) from the history and Prometheus, with its PNG;
- command: the `orion history` and `orion report` commands;
- and, beside them: narrative* (the LLM's prose), telegram, outbox and notify* (delivery), metrics (Prometheus
  textfile), each with its own docstring.
"""
