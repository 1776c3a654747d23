"""The `carteira` parser, the file through which `carteira dev` shares its embedded services,
and the port check, in process (the real processes are in tests/ops/test_cli.py)."""

from __future__ import annotations

import argparse
import os
import socket
import stat
import subprocess
import sys
from importlib.metadata import version

import pytest

from carteira import cli
from carteira.core.preflight import PreflightError, check_port_free


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    (action,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(action.choices)


def test_every_subcommand_and_option_has_help():
    parser = cli.build_parser()
    subcommands = _subcommands(parser)
    assert set(subcommands) == {
        "dev",
        "serve",
        "worker",
        "migrate",
        "create-user",
        "seed-demo",
        "import",
    }
    (action,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    summaries = {choice.dest: choice.help for choice in action._choices_actions}
    missing = []
    for name, subparser in subcommands.items():
        if not summaries.get(name):
            missing.append(name)
        for option in subparser._actions:
            if isinstance(option, argparse._HelpAction):
                continue
            if not option.help or option.help == argparse.SUPPRESS:
                missing.append(f"{name} {'/'.join(option.option_strings) or option.dest}")
    for option in parser._actions:
        if option.option_strings and (not option.help or option.help == argparse.SUPPRESS):
            missing.append("/".join(option.option_strings))
    assert missing == []


def test_help_shows_the_defaults(capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.build_parser().parse_args(["dev", "--help"])
    assert exit_.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "--port PORT port the API listens on (`make run PORT=...`) (default: 8000)" in text


def test_version_is_the_package_version(capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.build_parser().parse_args(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.strip() == f"carteira {version('carteira')}"


# ---- the services of a running `carteira dev` ----------------------------------------------

DATABASE = "postgres://postgres:@/carteira?host=/tmp/a dir/.data/postgres&x=1"
REDIS = "redis://127.0.0.1:34909/0"


def test_the_shared_urls_read_back_while_dev_runs(tmp_path):
    path = cli._write_dev_env(tmp_path, {"DATABASE_URL": DATABASE, "REDIS_URL": REDIS})
    assert path == tmp_path / "env"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # the URLs may carry a password
    assert cli._read_dev_env(tmp_path) == {"DATABASE_URL": DATABASE, "REDIS_URL": REDIS}
    # Shell syntax too: `set -a; . .data/env` gives the same values.
    shown = subprocess.run(
        ["sh", "-c", f'. "{path}"; printf "%s\\n%s" "$DATABASE_URL" "$REDIS_URL"'],
        capture_output=True,
        text=True,
        check=True,
    )
    assert shown.stdout.splitlines() == [DATABASE, REDIS]


def test_a_file_left_by_a_killed_dev_is_ignored(tmp_path):
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    (tmp_path / "env").write_text(
        f"CARTEIRA_DEV_PID={gone.stdout.strip()}\nDATABASE_URL={DATABASE!r}\n"
    )
    assert cli._read_dev_env(tmp_path) == {}
    assert cli._read_dev_env(tmp_path / "nothing-here") == {}


def test_only_unset_urls_come_from_the_file(tmp_path, monkeypatch, capsys):
    cli._write_dev_env(tmp_path, {"DATABASE_URL": DATABASE, "REDIS_URL": REDIS})
    monkeypatch.setenv("CARTEIRA_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", "postgres://u@elsewhere/db")
    # Recorded first, so that the value the function sets is undone after the test too.
    monkeypatch.setenv("REDIS_URL", "")
    monkeypatch.delenv("REDIS_URL")
    cli._use_running_dev_services()
    assert os.environ["DATABASE_URL"] == "postgres://u@elsewhere/db"
    assert os.environ["REDIS_URL"] == REDIS
    assert "REDIS_URL" in capsys.readouterr().err


# ---- the listening port --------------------------------------------------------------------


def test_a_port_in_use_is_refused_and_a_free_one_accepted():
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        with pytest.raises(PreflightError, match=f"127.0.0.1:{port} is already in use"):
            check_port_free("127.0.0.1", port)
    check_port_free("127.0.0.1", port)  # closed: free again


def test_the_import_formats_are_the_apis():
    from carteira.imports.models import ImportFormat

    (choice,) = [
        a for a in _subcommands(cli.build_parser())["import"]._actions if a.dest == "format"
    ]
    assert set(choice.choices) == {f.value for f in ImportFormat}
