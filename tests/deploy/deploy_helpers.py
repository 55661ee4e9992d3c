"""Reading docker-compose.yaml, .env.example and the connection list the way Compose would.

`docker compose` cannot run on the development machines (no engine, and here no compose plugin),
so the tests check everything short of it: YAML anchors and merge keys are resolved by PyYAML,
variables are interpolated here with Compose's rules (``${VAR}``, ``${VAR:-default}``,
``${VAR-default}``, ``${VAR:?error}``, ``${VAR?error}``, ``$VAR``, ``$$``), and the result is
validated against the Compose Specification's JSON schema (``compose-spec.json``, vendored from
github.com/compose-spec/compose-spec, schema/compose-spec.json at commit
a08f8d51631b7127ddac3d2c65537db429d0f1d0, Apache-2.0).

    python tests/deploy/deploy_helpers.py env-connections   # print .env.example's connection block
"""

from __future__ import annotations

import re
import sys
from functools import cache
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yaml"
ENV_EXAMPLE = ROOT / ".env.example"
CONNECTIONS = ROOT / "include" / "config" / "connections.example.yaml"
POOLS = ROOT / "include" / "config" / "pools.json"
DOCKERFILE = ROOT / "Dockerfile"
SCHEMA = Path(__file__).with_name("compose-spec.json")

# ${NAME}, ${NAME:-x}, ${NAME-x}, ${NAME:?x}, ${NAME?x}, ${NAME:+x}, $NAME, and $$ (a literal $).
_VAR = re.compile(r"\$(?:(?P<esc>\$)|\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?P<op>:?[-?+])?(?P<arg>[^}]*)\}"
                  r"|(?P<bare>[A-Za-z_][A-Za-z0-9_]*))")


class MissingVariable(KeyError):
    pass


def variables_in(text: str) -> set[str]:
    """Names of every variable Compose would interpolate in ``text`` ($$ escapes excluded)."""
    return {m.group("braced") or m.group("bare") for m in _VAR.finditer(text) if not m.group("esc")}


def interpolate(value: str, env: dict[str, str]) -> str:
    def sub(m: re.Match) -> str:
        if m.group("esc"):
            return "$"
        name = m.group("braced") or m.group("bare")
        op, arg = m.group("op"), m.group("arg") or ""
        present = name in env
        nonempty = present and env[name] != ""
        if op in (":-", "-"):
            return env[name] if (nonempty if op == ":-" else present) else interpolate(arg, env)
        if op in (":?", "?"):
            if not (nonempty if op == ":?" else present):
                raise MissingVariable(f"{name}: {arg}")
            return env[name]
        if op in (":+", "+"):
            return interpolate(arg, env) if (nonempty if op == ":+" else present) else ""
        return env.get(name, "")

    return _VAR.sub(sub, value)


def _walk(node, fn):
    if isinstance(node, dict):
        return {k: _walk(v, fn) for k, v in node.items()}
    if isinstance(node, list):
        return [_walk(v, fn) for v in node]
    if isinstance(node, str):
        return fn(node)
    return node


def read_env_file(path: Path = ENV_EXAMPLE) -> dict[str, str]:
    """KEY=VALUE lines (comments and blank lines ignored), as Compose reads .env."""
    env: dict[str, str] = {}
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        s = line.strip()
        if not s or s.startswith("#"):
            continue
        if "=" not in s:
            raise ValueError(f"{path.name}:{n}: not KEY=VALUE: {line!r}")
        k, v = s.split("=", 1)
        env[k.strip()] = v.strip()
    return env


@cache
def raw_compose() -> dict:
    """The compose file as YAML (anchors and merge keys resolved), not interpolated."""
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


def compose(env: dict[str, str] | None = None) -> dict:
    """The compose file after interpolation with ``env`` (default: .env.example)."""
    env = read_env_file() if env is None else env
    return _walk(raw_compose(), lambda s: interpolate(s, env))


def environment(service: dict) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {k: "" if v is None else str(v) for k, v in env.items()}


def command_text(service: dict) -> str:
    parts = []
    for key in ("entrypoint", "command"):
        v = service.get(key)
        if v:
            parts.append(" ".join(v) if isinstance(v, list) else str(v))
    return " ".join(parts)


@cache
def connection_list() -> dict[str, dict]:
    return yaml.safe_load(CONNECTIONS.read_text(encoding="utf-8"))["connections"]


def env_var(conn_id: str) -> str:
    return f"AIRFLOW_CONN_{conn_id.upper()}"


def render_env_connections() -> str:
    """The AIRFLOW_CONN_* lines .env.example must hold, generated from connections.example.yaml."""
    return "\n".join(f"{env_var(cid)}={c['example']}" for cid, c in connection_list().items()) + "\n"


def render_compose_connections() -> str:
    """The AIRFLOW_CONN_* lines of the compose anchor, generated from connections.example.yaml."""
    return "".join(f"    {env_var(cid)}: ${{{env_var(cid)}:?set in .env}}\n" for cid in connection_list())


if __name__ == "__main__":
    what = sys.argv[1] if len(sys.argv) > 1 else "env-connections"
    print(render_compose_connections() if what == "compose-connections" else render_env_connections(), end="")


# ---- checking commands without running them ------------------------------------------------------


def tianyan_commands(text: str) -> list[list[str]]:
    """Every `tianyan ...` invocation in a shell snippet, as argv lists (up to ; && | or line end)."""
    import shlex

    out = []
    for line in text.replace("\\\n", " ").splitlines():
        for m in re.finditer(r"(?:^|[\s;&|(])(tianyan\s.*)", line):
            argv = []
            for tok in shlex.split(m.group(1), comments=True):
                if tok in (";", "&&", "||", "|", ">", ">>", "<"):
                    break
                argv.append(tok)
            out.append(argv)
    return out


def check_tianyan(argv: list[str]) -> list[str]:
    """Problems with a `tianyan ...` argv: unknown (sub)command or option, missing required option."""
    from typer.main import get_command

    from tianyan.cli import app

    assert argv[0] == "tianyan", argv
    cmd = get_command(app)  # typer may vendor its own click: duck-type groups by `.commands`
    rest = argv[1:]
    path = ["tianyan"]
    while isinstance(getattr(cmd, "commands", None), dict):
        if not rest or rest[0] not in cmd.commands:
            return [f"`{' '.join(path)}` has no subcommand {rest[:1]}"]
        path.append(rest[0])
        cmd = cmd.commands[rest.pop(0)]
    known = {o: p for p in cmd.params for o in (*p.opts, *p.secondary_opts)}
    problems = []
    given = set()
    for tok in rest:
        if tok.startswith("--"):
            name = tok.split("=", 1)[0]
            if name not in known:
                problems.append(f"`{' '.join(path)}` has no option {name}")
            else:
                given.add(known[name].name)
    for p in cmd.params:
        if getattr(p, "required", False) and p.name not in given and not getattr(p, "envvar", None):
            problems.append(f"`{' '.join(path)}` needs {p.opts[0]}")
    return problems
