"""The deployment's git repository as a probe source (`[repository] path = "."` in the profile).

Importing the package registers every repository probe; git runs as an async subprocess."""

from linkflow_console.probes.repository import alerts, ci, recovery, release  # noqa: F401  (registers probes)
