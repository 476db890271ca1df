"""The core (model, loader, probes, state, runbooks, launch, reports, CLI) never imports Textual."""

import subprocess
import sys

CORE_MODULES = [
    "linkflow_console.checklist",
    "linkflow_console.checklist.markdown",
    "linkflow_console.state",
    "linkflow_console.status",
    "linkflow_console.session",
    "linkflow_console.runner",
    "linkflow_console.runbooks",
    "linkflow_console.reports.export",
    "linkflow_console.reports.check",
    "linkflow_console.reports.tables",
    "linkflow_console.probes.engine",
    "linkflow_console.probes.profile",
    "linkflow_console.launch.model",
    "linkflow_console.cli",
]


def test_core_imports_without_textual():
    code = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'textual' or name.startswith('textual.'):\n"
        "            raise ImportError('textual is blocked in this test')\n"
        "sys.meta_path.insert(0, Block())\n"
        f"for module in {CORE_MODULES!r}:\n"
        "    __import__(module)\n"
        "from linkflow_console.probes.catalog import PROBES\n"
        "from linkflow_console.probes.base import implementation\n"
        "for probe_id in PROBES: implementation(probe_id)\n"
        "assert not any(m.startswith('textual') for m in sys.modules), 'textual was imported'\n"
        "print('ok')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_console_start_does_not_import_heavy_clients():
    """boto3 and psycopg load only when a probe that needs them runs."""
    code = (
        "import sys\n"
        "import linkflow_console.cli, linkflow_console.tui.app, linkflow_console.session\n"
        "heavy = [m for m in ('boto3', 'psycopg', 'redis', 'botocore') if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""
