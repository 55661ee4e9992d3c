"""docker-compose.yaml, Dockerfile and .env.example agree with each other and with the repository.

`docker compose` cannot run here (no Docker engine on these machines, and no compose plugin for
the docker CLI on this one): `test_docker_compose_config` runs it only where it can. Everything
short of it is checked below: the Compose Specification's JSON schema after interpolation, one
image / secret / connection set for every Airflow service, mounted paths, variables, secrets,
healthchecks, pools, the Dockerfile's base image and lock install, and the warehouse migrations
against the PostgreSQL major version the compose file runs.
"""

from __future__ import annotations

import contextlib
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml
from deploy_helpers import (
    COMPOSE,
    DOCKERFILE,
    ENV_EXAMPLE,
    POOLS,
    ROOT,
    SCHEMA,
    MissingVariable,
    check_tianyan,
    command_text,
    compose,
    environment,
    raw_compose,
    read_env_file,
    tianyan_commands,
    variables_in,
)

from tianyan.warehouse.sqlfiles import without_comments

AIRFLOW_COMMANDS = {
    "airflow-apiserver": "api-server",
    "airflow-scheduler": "scheduler",
    "airflow-dag-processor": "dag-processor",
    "airflow-worker": "celery worker",
    "airflow-triggerer": "triggerer",
}
# Run to completion (no restart policy, no healthcheck needed); everything else is long-running.
ONE_SHOT = {"airflow-init", "airflow-cli", "generate"}
# Settings every service of the Airflow image must share exactly.
SHARED_SETTINGS = (
    "AIRFLOW__API_AUTH__JWT_SECRET",
    "AIRFLOW__API__SECRET_KEY",
    "AIRFLOW__CORE__EXECUTION_API_SERVER_URL",
    "AIRFLOW__CORE__FERNET_KEY",
    "AIRFLOW__CORE__EXECUTOR",
    "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN",
    "AIRFLOW__CELERY__BROKER_URL",
    "AIRFLOW__CELERY__RESULT_BACKEND",
    "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS",
    "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE",
    "TIANYAN_HOME",
    "TIANYAN_LANDING",
    "TIANYAN_ARCHIVE",
    "TIANYAN_STATE_DIR",
)
SECRET_NAME = re.compile(r"PASSWORD|SECRET|FERNET|TOKEN|_KEY$|^AIRFLOW_CONN_")


@pytest.fixture(scope="module")
def dc() -> dict:
    return compose()


@pytest.fixture(scope="module")
def services(dc) -> dict:
    return dc["services"]


@pytest.fixture(scope="module")
def airflow_image(dc) -> str:
    return dc["x-airflow-common"]["image"]


def airflow_services(services, image) -> dict:
    return {n: s for n, s in services.items() if s.get("image") == image}


# ---- the file is a valid Compose file ------------------------------------------------------------


def test_compose_file_matches_the_compose_specification_schema(dc):
    import jsonschema

    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(dc), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{'/'.join(map(str, e.path))}: {e.message}" for e in errors[:20])


def test_docker_compose_config_where_the_cli_can_run_it(tmp_path):
    docker = shutil.which("docker")
    if not docker or subprocess.run([docker, "compose", "version"], capture_output=True).returncode != 0:
        pytest.skip("the docker CLI has no `compose` plugin on this machine (and no engine); "
                    "the schema test above stands in for `docker compose config`")
    env = tmp_path / ".env"
    env.write_text(ENV_EXAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    out = subprocess.run([docker, "compose", "-f", str(COMPOSE), "--env-file", str(env),
                          "--profile", "exchange", "--profile", "debug", "--profile", "flower", "config", "-q"],
                         capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr


def test_stack_refuses_to_start_without_its_secrets():
    env = read_env_file()
    for name in ("AIRFLOW_JWT_SECRET", "AIRFLOW_DB_PASSWORD", "WAREHOUSE_DB_PASSWORD", "AIRFLOW_CONN_WAREHOUSE"):
        partial = {k: v for k, v in env.items() if k != name}
        with pytest.raises(MissingVariable, match=name):
            compose(partial)


# ---- the official Airflow 3.3 layout -------------------------------------------------------------


def test_official_layout_services_and_commands(services, airflow_image):
    for name, cmd in AIRFLOW_COMMANDS.items():
        assert name in services, f"missing service {name}"
        assert command_text(services[name]) == cmd, name
        assert services[name]["image"] == airflow_image, name
    assert services["postgres"]["image"] == "postgres:16"
    assert services["redis"]["image"].startswith("redis:")
    assert services["warehouse"]["image"].startswith("postgres:")
    assert "warehouse-db-volume:/var/lib/postgresql/data" in services["warehouse"]["volumes"]
    assert "postgres-db-volume:/var/lib/postgresql/data" in services["postgres"]["volumes"]
    env = environment(services["airflow-scheduler"])
    assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == "http://airflow-apiserver:8080/execution/"
    assert "@postgres/" in env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
    assert env["AIRFLOW__CELERY__BROKER_URL"].startswith("redis://") and "@redis:6379" in env["AIRFLOW__CELERY__BROKER_URL"]
    assert any(str(p).endswith(":8080") for p in services["airflow-apiserver"]["ports"])
    assert services["airflow-apiserver"]["healthcheck"]["test"][-1] == "http://localhost:8080/api/v2/monitor/health"


def test_airflow_init_migrates_both_databases_creates_the_login_and_imports_pools(services):
    init = command_text(services["airflow-init"])
    assert "airflow db migrate" in init
    assert "airflow pools import /opt/airflow/include/config/pools.json" in init
    assert "tianyan migrate" in init
    assert "SIMPLE_AUTH_MANAGER_PASSWORDS_FILE" in init
    env = environment(services["airflow-init"])
    assert env["TIANYAN_ADMIN_PASSWORD"] == read_env_file()["AIRFLOW_ADMIN_PASSWORD"]
    for name in AIRFLOW_COMMANDS:
        assert services[name]["depends_on"]["airflow-init"]["condition"] == "service_completed_successfully"
        for db in ("postgres", "warehouse", "redis"):
            assert services[name]["depends_on"][db]["condition"] == "service_healthy", (name, db)


def test_every_airflow_service_shares_image_build_secret_and_connections(services, airflow_image):
    shared = airflow_services(services, airflow_image)
    runs_airflow = {n for n, s in services.items() if re.search(r"\b(airflow|celery|api-server|scheduler|triggerer|"
                                                                r"dag-processor|tianyan)\b", command_text(s))}
    assert runs_airflow <= set(shared), f"services running Airflow/tianyan on another image: {runs_airflow - set(shared)}"
    assert set(AIRFLOW_COMMANDS) | {"airflow-init"} <= set(shared)
    ref_name = "airflow-scheduler"
    ref = services[ref_name]
    ref_env = environment(ref)
    ref_conns = {k: v for k, v in ref_env.items() if k.startswith("AIRFLOW_CONN_")}
    assert ref_conns, "no AIRFLOW_CONN_* in the Airflow services"
    for name, svc in shared.items():
        env = environment(svc)
        assert svc.get("build") == ref.get("build"), name
        assert svc.get("user") == ref.get("user"), name
        for key in SHARED_SETTINGS:
            assert env.get(key) == ref_env.get(key), f"{name}: {key} differs from {ref_name}"
        assert {k: v for k, v in env.items() if k.startswith("AIRFLOW_CONN_")} == ref_conns, name
    # The JWT secret comes from exactly one variable.
    raw = raw_compose()
    jwt_refs = {variables_in(s["environment"]["AIRFLOW__API_AUTH__JWT_SECRET"]).pop()
                for s in raw["services"].values() if "AIRFLOW__API_AUTH__JWT_SECRET" in (s.get("environment") or {})}
    assert jwt_refs == {"AIRFLOW_JWT_SECRET"}


def test_build_is_the_dockerfile(dc):
    assert dc["x-airflow-common"]["build"] == {"context": ".", "dockerfile": "Dockerfile"}


# ---- mounts, variables, secrets, healthchecks ------------------------------------------------------


def test_repo_folders_are_mounted_and_every_mounted_path_exists(services, airflow_image):
    wanted = {"dags", "plugins", "include", "expectations"}
    for name, svc in airflow_services(services, airflow_image).items():
        binds = {}
        for v in svc.get("volumes") or []:
            src, dst = str(v).split(":")[:2]
            if src.startswith((".", "/")):
                binds[src] = dst
        assert {Path(s).name for s in binds} >= wanted, name
        for src, dst in binds.items():
            rel = Path(src).relative_to(".") if src.startswith("./") else None
            assert rel is not None, f"{name}: absolute host path {src} (use paths inside the repository)"
            assert dst == f"/opt/airflow/{rel}", f"{name}: {src} mounted at {dst}, expected /opt/airflow/{rel}"
            assert (ROOT / rel).is_dir(), f"{name}: mounted path {src} does not exist in the repository"


def test_named_volumes_are_declared(dc):
    declared = set(dc.get("volumes") or {})
    for name, svc in dc["services"].items():
        for v in svc.get("volumes") or []:
            src = str(v).split(":")[0]
            if not src.startswith((".", "/")):
                assert src in declared, f"{name}: volume {src} not declared"


def test_every_variable_is_in_env_example_and_every_setting_is_used():
    used: set[str] = set()
    _collect(raw_compose(), used)  # values only: comments are not interpolated
    defined = set(read_env_file())
    assert not used - defined, f"used in docker-compose.yaml, missing from .env.example: {sorted(used - defined)}"
    assert not defined - used, f"in .env.example but unused by docker-compose.yaml: {sorted(defined - used)}"


def _collect(node, out: set[str]) -> None:
    if isinstance(node, dict):
        for v in node.values():
            _collect(v, out)
    elif isinstance(node, list):
        for v in node:
            _collect(v, out)
    elif isinstance(node, str):
        out |= variables_in(node)


def test_no_secret_literal_in_the_compose_file():
    raw = raw_compose()
    assert "CHANGE_ME" not in json.dumps(raw), "placeholder values belong in .env.example"
    for name, svc in raw["services"].items():
        for key, value in environment(svc).items():
            if SECRET_NAME.search(key) and key != "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE":
                assert re.fullmatch(r"\$\{[A-Z0-9_]+:\?[^}]*\}", value), f"{name}: {key} must be ${{VAR:?...}} from .env"
            # credentials inside URLs: the password part must be a variable (or empty)
            for m in re.finditer(r"://([^:/@\s]*):([^@\s]*)@", value):
                assert m.group(2) in ("", "$") or m.group(2).startswith("${"), f"{name}: {key} has a literal password"


def test_env_example_holds_placeholders_not_secrets():
    env = read_env_file()
    for key, value in env.items():
        if SECRET_NAME.search(key) and key not in ("AIRFLOW_CONN_TIANYAN_NOTIFY",):
            assert "CHANGE_ME" in value, f".env.example: {key} should be a CHANGE_ME placeholder"
    assert ".env" in (ROOT / ".gitignore").read_text(encoding="utf-8").split()


def test_env_example_is_self_consistent():
    env = read_env_file()
    wh = sa.engine.make_url(env["AIRFLOW_CONN_WAREHOUSE"])
    assert (wh.username, wh.password, wh.database, wh.host) == (
        env["WAREHOUSE_DB_USER"], env["WAREHOUSE_DB_PASSWORD"], env["WAREHOUSE_DB_NAME"], "warehouse")
    for key, value in env.items():
        if key.startswith("AIRFLOW_CONN_") and key.endswith("_API"):
            assert value == f"http://:{env['TIANYAN_EXCHANGE_TOKEN']}@exchange:8765/", key


def test_every_long_running_service_has_a_healthcheck_and_restarts(services):
    assert set(services) >= ONE_SHOT
    for name, svc in services.items():
        if name in ONE_SHOT:
            assert "restart" not in svc, f"{name} is one-shot"
            continue
        hc = svc.get("healthcheck")
        assert hc and hc.get("test") and not hc.get("disable"), f"{name}: no healthcheck"
        assert svc.get("restart") in ("always", "unless-stopped"), f"{name}: no restart policy"


def test_dependencies_exist_and_respect_profiles(services):
    for name, svc in services.items():
        deps = svc.get("depends_on") or {}
        for dep in deps:
            assert dep in services, f"{name} depends on unknown {dep}"
            mine, theirs = set(svc.get("profiles") or []), set(services[dep].get("profiles") or [])
            if theirs:
                assert mine and mine <= theirs, f"{name} (profiles {mine or 'none'}) needs {dep} (profiles {theirs})"


def test_exchange_profile_serves_the_drop_the_dags_land_from(services):
    ex, gen = services["exchange"], services["generate"]
    assert environment(ex)["TIANYAN_DROP"] == environment(gen)["TIANYAN_DROP"] == environment(ex)["TIANYAN_LANDING"]
    assert "tianyan exchange serve" in command_text(ex) and "--port 8765" in command_text(ex)
    assert "tianyan generate" in command_text(gen)


@pytest.mark.parametrize("service", ["exchange", "generate", "airflow-init", "public-intake"])
def test_tianyan_commands_in_the_compose_file_exist_with_their_options(services, service):
    cmds = tianyan_commands(command_text(services[service]))
    assert cmds, f"{service}: no tianyan command found"
    for argv in cmds:
        problems = check_tianyan(argv)
        assert not problems, f"{service}: {problems}"


# ---- pools -----------------------------------------------------------------------------------------


def test_pools_file_has_one_pool_per_department_plus_warehouse_in_airflows_import_format():
    from tianyan.orchestration.common import WAREHOUSE_POOL, department_pool
    from tianyan.registry import load_departments

    pools = json.loads(POOLS.read_text(encoding="utf-8"))
    assert set(pools) == {department_pool(d) for d in load_departments()} | {WAREHOUSE_POOL}
    for name, p in pools.items():
        # `airflow pools import` skips entries without both keys (pool_command.pool_import_helper)
        assert isinstance(p["slots"], int) and p["slots"] > 0 and p["description"], name
        assert p.get("include_deferred") is False, name


def test_every_pool_a_task_uses_is_imported():
    from tianyan.orchestration.departments import build_all
    from tianyan.orchestration.scoring import build_scoring_dag

    pools = set(json.loads(POOLS.read_text(encoding="utf-8"))) | {"default_pool"}
    dags = [*build_all().values(), build_scoring_dag()]
    used = {t.pool for d in dags for t in d.tasks}
    assert used <= pools, f"pools used by tasks but not in pools.json: {sorted(used - pools)}"


# ---- the image ---------------------------------------------------------------------------------------


def test_dockerfile_builds_on_the_official_image_matching_the_lock():
    text = DOCKERFILE.read_text(encoding="utf-8")
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    airflow = re.search(r'"apache-airflow==([0-9.]+)"', pyproject).group(1)
    python = re.search(r'requires-python = ">=(3\.\d+)', pyproject).group(1)
    assert f"ARG AIRFLOW_IMAGE=apache/airflow:{airflow}-python{python}" in text
    assert re.search(r"export --frozen --no-dev", text), "install from the lock (uv export --frozen --no-dev)"
    assert "constraints" not in text.replace("no Airflow constraints", "").lower()
    for src in re.findall(r"^COPY (?:--chown=\S+ )?(?!--from)(.+) \S+$", text, flags=re.M):
        for path in src.split():
            assert (ROOT / path).exists(), f"Dockerfile copies missing {path}"
    ignored = {ln.strip() for ln in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()}
    for needed in ("pyproject.toml", "uv.lock", "README.md", "tianyan", "dags", "include", "expectations", "plugins"):
        assert needed not in ignored, f".dockerignore excludes {needed}, which the Dockerfile copies"
    for secret in (".env", ".venv", ".tianyan"):
        assert secret in ignored


# ---- the warehouse's PostgreSQL version ------------------------------------------------------------

H7_DB = "tianyan_h7_compose"
# SQL constructs that need a given PostgreSQL major version (checked in migrations, core and models).
VERSION_SPECIFIC = {
    r"\bmerge\s+into\b[\s\S]*?\breturning\b": 17,
    r"\bjson_table\s*\(": 17,
    r"\bjson_(?:exists|query|value|scalar|serialize)\s*\(": 17,
    r"\bany_value\s*\(": 16,
    r"\bis\s+(?:not\s+)?json\b": 16,
    r"\bjson_(?:array|object)(?:agg)?\s*\(": 16,
    r"\bsystem_user\b": 16,
    r"\bmerge\s+into\b": 15,
    r"\bsecurity_invoker\b": 15,
    r"\bnulls\s+not\s+distinct\b": 15,
    r"\bregexp_(?:count|instr|like|substr)\s*\(": 15,
    r"\bmultirange\b|\brange_agg\s*\(": 14,
}


def compose_postgres_major(service: str = "warehouse") -> int:
    image = raw_compose()["services"][service]["image"]
    return int(image.split(":", 1)[1].split(".")[0])


def _migrate_on(admin_url: str) -> tuple[int, str | None]:
    """Create H7_DB on the server, run the warehouse migrations there; (server_version_num, revision)."""
    from tianyan.warehouse.migrate import current_revision, migrate

    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as c:
            version = int(c.execute(sa.text("show server_version_num")).scalar())
            c.execute(sa.text(f'drop database if exists "{H7_DB}" with (force)'))
            c.execute(sa.text(f'create database "{H7_DB}"'))
        url = sa.engine.make_url(admin_url).set(database=H7_DB).render_as_string(hide_password=False)
        migrate(url)
        assert migrate(url) == [], "second migrate() must be a no-op"
        rev = current_revision(url)
        from tianyan.warehouse.conn import engine

        engine(url).dispose()
        with admin.connect() as c:
            c.execute(sa.text(f'drop database if exists "{H7_DB}" with (force)'))
        return version, rev
    finally:
        admin.dispose()


@pytest.fixture(scope="module")
def migrated_servers() -> dict[str, tuple[int, str | None]]:
    """The warehouse migrations applied on every server the project tests against."""
    import os

    from tianyan.warehouse.conn import _to_sqlalchemy, embedded_server

    results = {}
    for label, url in (("machine", os.environ.get("TIANYAN_TEST_PG") or "postgresql://postgres@127.0.0.1:5432/postgres"),):
        with contextlib.suppress(sa.exc.OperationalError):  # no machine server: the embedded one still runs
            results[label] = _migrate_on(_to_sqlalchemy(url))
    results["embedded pgserver"] = _migrate_on(_to_sqlalchemy(embedded_server().get_uri("postgres")))
    return results


def test_warehouse_migrations_run_on_the_compose_postgres_major(migrated_servers):
    from tianyan.warehouse.migrate import migration_files

    latest = migration_files()[-1].stem
    for label, (_, rev) in migrated_servers.items():
        assert rev == latest, f"{label}: at {rev}, expected {latest}"
    majors = {label: v // 10000 for label, (v, _) in migrated_servers.items()}
    wanted = compose_postgres_major("warehouse")
    # The machine's server is 15 on the development machines while the compose file runs 16: the
    # migrations are therefore applied here on BOTH majors -- 16 through the embedded pgserver
    # wheel (the demo's warehouse), 15 through the machine's server -- and the static check below
    # keeps them free of anything newer than the oldest of them. docs/scale-out.md says the same.
    assert wanted in majors.values(), (
        f"compose runs postgres:{wanted} but the migrations ran only on {majors}; "
        "pin the compose image to a tested major or test on it")
    print(f"warehouse migrations applied on {majors}; compose runs postgres:{wanted}")


def test_migrations_use_nothing_newer_than_the_oldest_tested_major(migrated_servers):
    oldest = min(v // 10000 for v, _ in migrated_servers.values())
    sql_dir = ROOT / "include" / "sql"
    files = [*sql_dir.glob("migrations/*.sql"), *sql_dir.glob("core/*.sql"), *sql_dir.glob("models/*/*.sql"),
             *sql_dir.glob("marts/*.sql")]
    too_new = []
    for f in files:
        text = without_comments(f.read_text(encoding="utf-8")).lower()
        for pattern, major in VERSION_SPECIFIC.items():
            if major > oldest and re.search(pattern, text):
                too_new.append(f"{f.relative_to(ROOT)}: {pattern} needs PostgreSQL {major}")
    assert not too_new, f"tested down to PostgreSQL {oldest}:\n" + "\n".join(too_new)


def test_compose_postgres_images_are_pinned_to_a_major():
    for svc in ("postgres", "warehouse"):
        tag = raw_compose()["services"][svc]["image"].split(":", 1)[1]
        assert re.fullmatch(r"\d+(\.\d+)?(-\w+)?", tag), f"{svc}: pin a major version, not {tag!r}"


def test_compose_yaml_has_no_duplicate_keys():
    class Strict(yaml.SafeLoader):
        pass

    def construct(loader, node, deep=False):
        keys = [k.value for k, _ in node.value if isinstance(k, yaml.ScalarNode) and k.value != "<<"]
        dup = {k for k in keys if keys.count(k) > 1}
        assert not dup, f"duplicate keys {dup} at line {node.start_mark.line + 1}"
        return yaml.SafeLoader.construct_mapping(loader, node, deep)

    Strict.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, construct)
    yaml.load(COMPOSE.read_text(encoding="utf-8"), Loader=Strict)  # noqa: S506 - SafeLoader subclass
