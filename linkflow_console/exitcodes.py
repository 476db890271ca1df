"""Exit codes, a contract for scripts (documented in the README)."""

EXIT_OK = 0  # success; for `check`: nothing at or above the --fail-on level
EXIT_GATE = 1  # `check` found a failing item
EXIT_USAGE = 2  # usage or input error: bad flag, unknown id, broken file
EXIT_INTERNAL = 3  # internal error: details in the crash log
EXIT_INTERRUPTED = 130
