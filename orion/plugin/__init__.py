"""The pytest plugin: `pytest -m critical --inventory PATH` and `orion check` behave the same.

Registered through the `pytest11` entry point (and `-p orion.plugin`); this module only names its parts, one
concept each, which pytest registers with it:
- options: the `--orion-*` command-line options;
- run: what one run shares (catalogue, inventory, probes), kept in the config's stash;
- selection: markers, which checks run on which hosts, waivers;
- fixtures: the inventory's hosts, services and Docker engines; facts: one fixture per host fact;
- classify: a check's outcome from pytest's report and the probes' exceptions (result: its typed form);
- recording: the run record, history and exit status; summary: the terminal view;
- report_page: the run's HTML page beside its record; allure_labels: requirement, domain and host labels and
  evidence attachments for Allure (--alluredir).
"""

pytest_plugins = [
    "orion.plugin.options",
    "orion.plugin.run",
    "orion.plugin.selection",
    "orion.plugin.fixtures",
    "orion.plugin.facts",
    "orion.plugin.classify",
    "orion.plugin.recording",
    "orion.plugin.summary",
    "orion.plugin.report_page",
    "orion.plugin.allure_labels",
]
