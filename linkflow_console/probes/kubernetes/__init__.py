"""Kubernetes manifests as a probe source (`[kubernetes] manifests = [...]` in the profile).

Importing the package registers every manifest probe; the manifests are read once per sweep."""

from linkflow_console.probes.kubernetes import logstore, network, observability, pods, scaling  # noqa: F401  (registers probes)
