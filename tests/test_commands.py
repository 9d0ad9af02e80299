"""Every project command: --help works, and a database that is not set up is one line, rc 1."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
COMMANDS = sorted(
    path.stem
    for app in ("members", "rewards", "referrals", "reporting", "loyalty")
    for path in (ROOT / app / "management" / "commands").glob("*.py")
    if not path.stem.startswith("_")
)


def manage(*args, database: Path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.pop("REDIS_URL", None)
    env.pop("CELERY_BROKER_URL", None)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_project_has_the_commands_the_readme_documents():
    assert {"import_purchases", "report", "expire_points", "verify_ledger"} <= set(COMMANDS)


@pytest.mark.parametrize("command", COMMANDS)
def test_a_command_on_a_database_that_is_not_migrated_fails_in_one_line(command, tmp_path):
    args = {
        "import_purchases": [str(tmp_path / "orders.csv")],
        "report": ["rollforward", "--from", "2026-01-01", "--to", "2026-01-31"],
        "finance": ["estimates"],
    }
    (tmp_path / "orders.csv").write_text("order_id,email,purchased_at,amount\n")
    result = manage(command, *args.get(command, []), database=tmp_path / "empty.sqlite3")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "run `python manage.py migrate`" in lines[0]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command, capsys):
    from django.core.management import call_command, get_commands, load_command_class

    description = load_command_class(get_commands()[command], command).help
    assert description.strip()
    with pytest.raises(SystemExit) as exit_:
        call_command(command, "--help")
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert f" {command} " in out.splitlines()[0]
    assert " ".join(description.split()[:3]) in " ".join(out.split())
