"""Reports: markdown/JSON exports, the `check` JSON/JUnit/table, the status table."""
