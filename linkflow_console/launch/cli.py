"""`linkflow-console launch ...` commands."""

from __future__ import annotations

import argparse


def add_launch_commands(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    return None
