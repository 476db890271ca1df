"""Configuration probes: the KEY=VALUE env file the services run with (env.file), plus one look
from outside for stack traces. Secret values are read to judge them and never shown.

- `envfile`: the env-file parser and Go value readers, pure and unit-tested;
- `shared`: loading the file for a probe, hiding its secrets, naming where values came from;
- `settings`: environment, log format, debug, required variables, Sentry, token expiry;
- `keys`: the JWT secret and the credential encryption key.

Importing the package registers every config.* probe (the catalog names the package).
"""

from linkflow_console.probes.config import keys, settings

__all__ = ["keys", "settings"]
