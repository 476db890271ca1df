"""Redis and Asynq probes: one package, three ideas.

- `client`: the target named by redis.url, clients without retries, errors as "could not tell";
- `server`: authentication, persistence, memory policy, HA and TLS of the server itself;
- `asynq`: LinkFlow's job queues (Asynq's keys and its protobuf server info) and the scheduler's leader key.

Importing the package registers every redis.* probe (the catalog names the package).
"""

from linkflow_console.probes.redis import asynq, server

__all__ = ["asynq", "server"]
