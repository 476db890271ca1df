"""A throwaway certificate authority (trustme) and server-side TLS contexts with chosen protocol ranges.

The certificates name 127.0.0.1 and localhost, so probes connect to https://127.0.0.1:<port> with
certificate verification ON (the profile's api.ca_file points at `ca_file`).
"""

from __future__ import annotations

import ssl
import warnings
from pathlib import Path

import pytest
import trustme


@pytest.fixture(scope="session")
def certificate_authority() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="session")
def ca_file(certificate_authority: trustme.CA, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("ca") / "ca.pem"
    certificate_authority.cert_pem.write_to_path(str(path))
    return path


def server_tls_context(
    authority: trustme.CA,
    minimum: ssl.TLSVersion = ssl.TLSVersion.TLSv1_2,
    maximum: ssl.TLSVersion = ssl.TLSVersion.MAXIMUM_SUPPORTED,
) -> ssl.SSLContext:
    """A server context accepting exactly minimum..maximum."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    authority.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    if minimum < ssl.TLSVersion.TLSv1_2:
        # OpenSSL 3 refuses TLS 1.0/1.1 at the default security level: lower it so the
        # server really offers them (the configuration under test is "legacy versions on").
        context.set_ciphers("DEFAULT:@SECLEVEL=0")
    with warnings.catch_warnings():  # TLSv1/TLSv1_1 are deprecated: exactly what we need to serve
        warnings.simplefilter("ignore", DeprecationWarning)
        context.minimum_version = minimum
        context.maximum_version = maximum
    return context
