"""Loaded by a server the tests start: record and refuse any connection off this machine."""

import os

if os.environ.get("NETGUARD_LOG"):
    from tests.support.guard import install_guard

    install_guard(os.environ["NETGUARD_LOG"])
