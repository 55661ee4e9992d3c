"""Every shell command in the guides' ```bash blocks is exercised here or named as covered elsewhere.

- `tianyan ...`: the subcommand and each option exist in the real CLI (click tree of tianyan.cli),
  required options are given, and `tianyan <subcommand> --help` runs and lists those options.
- `airflow ...`: parsed by Airflow 3.3's own argument parser (subcommands, options, required
  arguments) without running.
- `docker compose ...`: cannot run here (no engine, no compose plugin); the services, profiles
  and `--scale` targets it names exist in docker-compose.yaml, and a command it runs inside a
  container (`exec` / `run`) is checked by these same rules.
- `python -m tianyan.ingest.suites`, `python -c ...`, pytest paths, `cp`: run or checked directly.
- Anything else must be in COVERED_ELSEWHERE with the test (or reason) that covers it.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys

import pytest
from deploy_helpers import ROOT, check_tianyan, raw_compose

GUIDES = [ROOT / "docs" / "operations.md", ROOT / "docs" / "scale-out.md"]
COVERED_ELSEWHERE = {
    "python -m tianyan.warehouse.ddl --migration 0015 civil_affairs.assistance_payments":
        "tests/registry/test_feed_registry.py::test_feed_tables_migration_is_generated_from_the_registry (render()) "
        "and tests/orchestration/test_deploy_files.py::test_a_48th_feed_reaches_everything (new_feeds_migration); "
        "running it here would write a migration",
    "python -m tianyan.orchestration.deploy_files":
        "tests/orchestration/test_deploy_files.py::test_committed_files_are_what_the_registry_generates "
        "(running it here would rewrite the committed files)",
    "openssl rand -hex 32": "standard tool: prints a random secret",
    "docker compose build": "tests/deploy/test_compose.py::test_build_is_the_dockerfile and "
                            "::test_dockerfile_builds_on_the_official_image_matching_the_lock (no engine here)",
    "docker compose ps": "status only",
    "make demo": "tests/e2e (the same `tianyan generate` + `tianyan run`); the Makefile target is what README documents",
    "make airflow-ui": "tests/e2e/test_scheduler.py (starts it as make does: python -m tianyan.orchestration.standalone)",
    "AIRFLOW_PORT=8081 TIANYAN_DROP=/data/drop make airflow-ui":
        "tests/e2e/test_scheduler.py (another port and drop) and tests/orchestration/test_standalone.py",
    "curl -s -X POST localhost:8080/auth/token -H 'Content-Type: application/json' -d '{\"username\": \"admin\", "
    "\"password\": \"admin\"}'": "tests/e2e/test_scheduler.py (tianyan.orchestration.standalone.Client makes this call)",
    "curl -s -X POST localhost:8080/api/v2/dags/dept_finance/dagRuns -H \"Authorization: Bearer $TOKEN\" -H "
    "'Content-Type: application/json' -d '{\"logical_date\": null, \"conf\": {\"delivery_date\": \"2026-11-27\"}}'":
        "tests/e2e/test_scheduler.py (tianyan.orchestration.standalone.Client.trigger makes this call)",
}
COMPOSE_SUBCOMMANDS = {"build", "up", "ps", "run", "exec", "cp", "logs", "down", "restart", "config", "pull"}
# docker compose options taking a value (so the next token is not a service).
COMPOSE_VALUE_OPTS = {"--profile", "--scale", "-f", "--file", "--env-file", "-e", "--entrypoint", "-u", "--user",
                      "-w", "--workdir"}


def bash_commands() -> list[tuple[str, str]]:
    out = []
    for guide in GUIDES:
        text = guide.read_text(encoding="utf-8")
        for block in re.findall(r"```bash\n(.*?)```", text, flags=re.S):
            for line in block.replace("\\\n", " ").splitlines():
                line = line.strip()
                if line and not line.startswith("#"):
                    out.append((guide.name, line))
    return out


COMMANDS = bash_commands()


def test_guides_have_commands():
    assert len(COMMANDS) >= 30
    assert {g for g, _ in COMMANDS} == {g.name for g in GUIDES}


@pytest.fixture(scope="module")
def airflow_parser():
    os.environ.setdefault("AIRFLOW_HOME", str(ROOT / ".airflow"))
    from airflow.cli.cli_parser import get_parser

    return get_parser()


def _check_airflow(argv: list[str], parser) -> None:
    assert argv[0] == "airflow"
    try:
        args = parser.parse_args(argv[1:])
    except SystemExit as exc:
        pytest.fail(f"`{shlex.join(argv)}` is rejected by Airflow's CLI parser (exit {exc.code})")
    assert callable(getattr(args, "func", None)), argv


def _check_tianyan(argv: list[str]) -> None:
    from typer.main import get_command
    from typer.testing import CliRunner

    from tianyan.cli import app

    problems = check_tianyan(argv)
    assert not problems, f"`{shlex.join(argv)}`: {problems}"
    words = []
    cmd = get_command(app)
    for tok in argv[1:]:
        if not isinstance(getattr(cmd, "commands", None), dict):
            break
        words.append(tok)
        cmd = cmd.commands[tok]
    res = CliRunner().invoke(app, [*words, "--help"], env={"COLUMNS": "200", "NO_COLOR": "1"})
    assert res.exit_code == 0, res.output
    for opt in {t.split("=", 1)[0] for t in argv if t.startswith("--")}:
        assert opt in res.output, f"`tianyan {' '.join(words)} --help` does not list {opt}"


def _check_compose(argv: list[str], parser) -> None:
    dc = raw_compose()
    services = dc["services"]
    profiles = {p for s in services.values() for p in s.get("profiles") or []}
    rest = argv[2:]
    while rest and rest[0].startswith("-"):
        opt = rest.pop(0)
        if opt == "--profile":
            assert rest.pop(0) in profiles
    sub = rest.pop(0)
    assert sub in COMPOSE_SUBCOMMANDS, f"docker compose {sub}?"
    if sub == "cp":
        src = rest[-2]
        assert src.split(":", 1)[0] in services, src
        return
    named = []
    while rest:
        tok = rest.pop(0)
        if tok == "--scale":
            svc, n = rest.pop(0).split("=")
            assert svc in services and int(n) > 0
        elif tok in COMPOSE_VALUE_OPTS:
            rest.pop(0)
        elif tok.startswith("-"):
            continue
        else:
            named.append(tok)
            if sub in ("run", "exec"):
                break
    for svc in named:
        assert svc in services, f"`{shlex.join(argv)}`: no service {svc}"
    if sub in ("run", "exec") and rest:
        check_command(rest, parser)


def check_command(argv: list[str], parser) -> None:
    head = argv[0]
    if head == "tianyan" or head.endswith("/tianyan"):
        _check_tianyan(["tianyan", *argv[1:]])
    elif head == "airflow" or head.endswith("/airflow"):
        _check_airflow(["airflow", *argv[1:]], parser)
    elif head == "docker" and argv[1:2] == ["compose"]:
        _check_compose(argv, parser)
    elif head == "psql":
        assert argv[argv.index("-U") + 1] == "tianyan" and argv[argv.index("-d") + 1] == "tianyan"  # .env.example
    elif head in ("python", sys.executable) and argv[1:3] == ["-m", "tianyan.ingest.suites"]:
        res = subprocess.run([sys.executable, "-m", "tianyan.ingest.suites", "--help"], capture_output=True,
                             text=True, cwd=ROOT)
        assert res.returncode == 0, res.stderr
        for opt in argv[3:]:
            assert opt in res.stdout, opt
    elif head == "python" and argv[1] == "-c":
        res = subprocess.run([sys.executable, "-c", argv[2]], capture_output=True, text=True, cwd=ROOT)
        assert res.returncode == 0 and res.stdout.strip(), res.stderr
    elif head.endswith("pytest"):
        for path in argv[1:]:
            assert (ROOT / path.split("::")[0]).exists(), path
    elif head == "cp":
        assert (ROOT / argv[1]).is_file(), argv[1]
    else:
        pytest.fail(f"no check for `{shlex.join(argv)}`: add one or list it in COVERED_ELSEWHERE")


def _argv(line: str) -> list[str]:
    argv = []
    for tok in shlex.split(line):
        if tok in (">", ">>", "|", "&&", ";"):
            break
        argv.append(tok)
    return argv


@pytest.mark.parametrize("guide,line", COMMANDS, ids=[f"{g}:{c[:70]}" for g, c in COMMANDS])
def test_guide_command(guide, line, airflow_parser):
    if line in COVERED_ELSEWHERE:
        return
    check_command(_argv(line), airflow_parser)


def test_covered_elsewhere_entries_are_used():
    lines = {c for _, c in COMMANDS}
    assert not set(COVERED_ELSEWHERE) - lines, "stale COVERED_ELSEWHERE entries"
