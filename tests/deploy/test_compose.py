"""docker-compose.yml and its env files, checked by reading them: no Docker engine runs
here. The check that matters most: every variable the code reads reaches every container
that runs our code, so a setting added to pathway_runtime/config.py fails here until the
stack provides it (or it is listed in OPTIONAL with its reason)."""

from __future__ import annotations

import base64
import importlib.util
import os
import re
import secrets
from urllib.parse import urlsplit

import pytest

from pathway_cli.main import build_parser
from pathway_runtime.config import ConfigError, load_config
from tests.deploy import stack

PATHWAY_SERVICES = ("migrate", "temporal-setup", "worker", "api", "codec-server")
INFRASTRUCTURE = ("postgres", "temporal-schema", "temporal", "temporal-namespace", "temporal-ui")
ONE_SHOTS = ("migrate", "temporal-schema", "temporal-namespace", "temporal-setup")

OFFICIAL_IMAGES = {
    "postgres": "the PostgreSQL Docker Official Image",
    "temporalio/server": "Temporal's server image (auto-setup is deprecated)",
    "temporalio/admin-tools": "Temporal's schema and CLI tools",
    "temporalio/ui": "Temporal's Web UI",
    "axllent/mailpit": "Mailpit's own image (only with --profile try)",
}

# Variables the code reads that the stack leaves unset on purpose. Every other one must
# reach every pathway container, through docker-compose.yml or deploy/.env.example.
OPTIONAL = {
    "WEBHOOK_URL": "the webhook is an optional second channel; reminders go by e-mail without it",
    "WEBHOOK_SECRET": "used only with WEBHOOK_URL (the configuration refuses a URL without it)",
    "PATHWAY_STAFF_VIEW_URL": "reminders link to the staff view only when a centre has one; unset, no link",
    "PATHWAY_API_MAX_BODY_BYTES": "API request-size limit; the code default (2 MiB) is the intended one",
    "PATHWAY_API_TEMPORAL_TIMEOUT_S": "API tuning; the default (30 s) is the documented behaviour",
    "PATHWAY_API_CONCURRENCY": "API tuning; the default (16) suits one Temporal server",
    "PATHWAY_WORKFLOW_SANDBOX": "worker tuning; the default (off) is the measured, documented choice",
    "PATHWAY_REMINDER_QUIET_SECONDS": "reminder settling; the default (30 s) is the documented behaviour",
    "PATHWAY_RECONCILE_EVERY_MINUTES": "the reconcile schedule's interval; the default (5 min) is documented",
    "PATHWAY_RULESET": "the deployment's default ruleset; unset, the shipped rulesets/crc-sep-marseille.yaml",
    "PATHWAY_FHIR_MAPPING": "the FHIR intake's mapping; unset, the shipped rulesets/fhir/crc-sep-marseille.fhir.yaml",
    "PATHWAY_CENTRE_RULESETS": "centres with their own ruleset file; unset, every centre runs the default",
    "PATHWAY_INSECURE_PLAINTEXT_PAYLOADS": "tests only (payloads in clear); must stay unset here",
    "PATHWAY_STAFF_SESSION_SECRET": "signs staff-page sessions; unset, a random one per API process (one replica)",
    "PATHWAY_STAFF_SESSION_HOURS": "staff sign-in length; the default (8 h) is the documented behaviour",
    "PATHWAY_CODEC_KEYS_FILE": "read only when PATHWAY_CODEC_KEYS is unset (`pathway dev` writes that file); "
                               "the stack gives the keys themselves",
}
DEV_ONLY = ("PATHWAY_INSECURE_PLAINTEXT_PAYLOADS",)


def service(name: str) -> dict:
    return stack.services()[name]


def depends_on(name: str) -> dict[str, str]:
    deps = service(name).get("depends_on") or {}
    if isinstance(deps, list):
        return dict.fromkeys(deps, "service_started")
    return {dep: (spec or {}).get("condition", "service_started") for dep, spec in deps.items()}


def image_repository(image: str) -> str:
    return image.rsplit(":", 1)[0] if ":" in image.split("/")[-1] else image


# --- services, images, ports -------------------------------------------------------------

def test_stack_runs_postgres_temporal_its_ui_and_every_pathway_process():
    assert set(PATHWAY_SERVICES + INFRASTRUCTURE) <= set(stack.services())
    assert set(stack.pathway_services()) == set(PATHWAY_SERVICES)


def test_other_images_are_official_and_pinned_to_a_version():
    for name, spec in stack.services().items():
        if name in PATHWAY_SERVICES:
            continue
        image = str(spec["image"])
        assert image_repository(image) in OFFICIAL_IMAGES, f"{name}: {image} is not an official image"
        tag = image.rsplit(":", 1)[-1] if ":" in image else "latest"
        assert tag != "latest" and re.match(r"v?\d", tag), f"{name}: pin a version, not {tag!r}"
    assert image_repository(service("postgres")["image"]) == "postgres"
    assert image_repository(service("temporal")["image"]) == "temporalio/server"
    assert image_repository(service("temporal-ui")["image"]) == "temporalio/ui"


def test_pathway_processes_share_one_image_built_from_the_repository_dockerfile():
    images = set()
    for name in PATHWAY_SERVICES:
        spec = service(name)
        build = spec["build"]
        context = (stack.ROOT / build["context"]).resolve()
        assert context == stack.ROOT, f"{name}: builds from {context}"
        assert (context / build.get("dockerfile", "Dockerfile")).resolve() == stack.DOCKERFILE
        images.add(spec["image"])
    assert len(images) == 1, f"one image for all pathway processes, found {images}"


def test_api_codec_server_and_ui_are_published_on_their_ports_and_the_database_is_not():
    expected = {"api": 8000, "codec-server": 8081, "temporal-ui": 8080, "temporal": 7233}
    for name, port in expected.items():
        ports = stack.published_ports(service(name))
        assert [(p.host, p.container) for p in ports] == [(port, port)], f"{name}: {ports}"
    assert not service("postgres").get("ports"), "PostgreSQL stays inside the stack's network"
    assert stack.published_ports(service("temporal"))[0].host_ip == "127.0.0.1", "plain gRPC: this machine only"


def test_published_ports_listen_on_this_machine_only_unless_the_operator_widens_them():
    for name, spec in stack.services().items():
        for port in stack.published_ports(spec):
            assert port.host_ip == "127.0.0.1", f"{name}: {port} listens beyond this machine by default"


def test_servers_in_pathway_containers_listen_on_all_interfaces_of_the_container():
    api = stack.received_environment(service("api"))
    assert api["PATHWAY_API_HOST"] == "0.0.0.0" and api["PATHWAY_API_PORT"] == "8000"
    assert stack.received_environment(service("codec-server"))["PATHWAY_CODEC_SERVER_PORT"] == "8081"
    assert service("codec-server")["command"][-2:] == ["--host", "0.0.0.0"]
    assert stack.received_environment(service("worker"))["PATHWAY_METRICS_HOST"] == "0.0.0.0"


# --- health checks and start order -----------------------------------------------------

def test_every_long_running_service_has_a_health_check_and_one_shots_do_not_restart():
    image_has_healthcheck = any(i.keyword == "HEALTHCHECK" for i in stack.dockerfile_stages()[-1])
    for name, spec in stack.services().items():
        if name in ONE_SHOTS:
            assert stack.is_one_shot(spec), f"{name} runs once: restart: \"no\""
            continue
        assert spec.get("restart") == "unless-stopped", f"{name}: restart policy"
        check = spec.get("healthcheck") or {}
        assert not check.get("disable"), f"{name}: health check disabled"
        assert check.get("test") or (name in PATHWAY_SERVICES and image_has_healthcheck), f"{name}: no health check"


def test_postgres_is_healthy_only_once_it_answers_over_tcp():
    test = service("postgres")["healthcheck"]["test"]
    assert "pg_isready" in test and "127.0.0.1" in test


def test_dependencies_wait_for_health_or_for_successful_completion():
    for name in stack.services():
        for dep, condition in depends_on(name).items():
            target = service(dep)
            wanted = "service_completed_successfully" if stack.is_one_shot(target) else "service_healthy"
            assert condition == wanted, f"{name} -> {dep}: {condition}, expected {wanted}"


@pytest.mark.parametrize(("name", "needs"), [
    ("migrate", {"postgres"}),
    ("temporal-schema", {"postgres"}),
    ("temporal", {"temporal-schema"}),
    ("temporal-namespace", {"temporal"}),
    ("temporal-setup", {"temporal-namespace"}),
    ("temporal-ui", {"temporal"}),
    ("worker", {"migrate", "temporal", "temporal-setup"}),
    ("api", {"migrate", "temporal-setup"}),
])
def test_each_service_starts_after_what_it_needs(name, needs):
    assert needs <= set(depends_on(name)), f"{name} depends on {set(depends_on(name))}"


def test_worker_can_be_scaled_horizontally():
    worker = service("worker")
    for pinned in ("container_name", "ports", "hostname"):
        assert pinned not in worker, f"worker: {pinned} stops `docker compose up --scale worker=N`"
    assert "stop_grace_period" in worker
    assert "WORKER_REPLICAS" in str(worker["deploy"]["replicas"]), "the number of workers survives a plain `up`"


# --- environment: what the code reads, what the stack gives --------------------------------

def test_optional_variables_are_still_read_by_the_code():
    stale = set(OPTIONAL) - stack.code_env_names()
    assert not stale, f"no longer read by the code, remove from OPTIONAL: {sorted(stale)}"


@pytest.mark.parametrize("name", PATHWAY_SERVICES)
def test_every_variable_the_code_reads_reaches_every_pathway_container(name):
    required = stack.code_env_names() - set(OPTIONAL)
    missing = required - set(stack.received_environment(service(name)))
    assert not missing, (
        f"{name} does not get {sorted(missing)}: set it in deploy/.env.example (site settings, secrets) "
        "or in x-pathway's environment in docker-compose.yml (addresses, ports), "
        "or add it to OPTIONAL in this test with the reason")


@pytest.mark.parametrize("name", PATHWAY_SERVICES)
def test_pathway_containers_get_no_variable_the_code_does_not_read(name):
    unknown = set(stack.received_environment(service(name))) - stack.code_env_names()
    assert not unknown, f"{name} gets {sorted(unknown)}, which no code reads (a typo, or a removed setting?)"


def test_optional_variables_are_documented_as_commented_defaults():
    documented = stack.read_env_file(stack.APP_ENV_EXAMPLE).documented
    assert set(OPTIONAL) <= documented, f"add `# NAME=default` lines for {sorted(set(OPTIONAL) - documented)}"


@pytest.mark.parametrize("name", PATHWAY_SERVICES)
def test_development_only_settings_never_reach_the_stack(name):
    for variable in DEV_ONLY:
        assert variable not in stack.received_environment(service(name))


def test_application_secrets_reach_only_pathway_containers():
    for name, spec in stack.services().items():
        if name in PATHWAY_SERVICES:
            assert stack.env_files(spec) == [stack.ROOT / "deploy" / ".env"]
            continue
        assert not stack.env_files(spec), f"{name} must not read the application's env file"
        leaked = stack.secret_names() & set(stack.environment(spec))
        assert not leaked, f"{name} gets {sorted(leaked)}"


def test_each_database_password_reaches_only_its_roles_users():
    users = {
        "POSTGRES_PASSWORD": {"postgres"},
        "TEMPORAL_DB_PASSWORD": {"postgres", "temporal-schema", "temporal"},
        "PATHWAY_DB_PASSWORD": {"postgres", *PATHWAY_SERVICES},
    }
    for variable, allowed in users.items():
        readers = {name for name, spec in stack.services().items()
                   if variable in stack.interpolated_names(str(spec.get("environment")))}
        assert readers == allowed, f"{variable} reaches {sorted(readers)}"


# --- env files: placeholders only, and complete --------------------------------------

@pytest.mark.parametrize("path", [stack.APP_ENV_EXAMPLE, stack.COMPOSE_ENV_EXAMPLE],
                         ids=lambda p: str(p.relative_to(stack.ROOT)))
def test_env_examples_hold_placeholders_never_a_real_secret(path):
    env = stack.read_env_file(path)
    for name, value in env.values.items():
        if stack.is_secret(name):
            assert value == "" or stack.PLACEHOLDER in value, f"{path.name}: {name} must be a change-me placeholder"
    assert not stack.real_looking_secrets(env.text), f"{path.name} holds what looks like a real key or token"


def test_the_secret_check_would_catch_a_real_key_or_token():
    key = base64.b64encode(os.urandom(32)).decode()
    token = secrets.token_urlsafe(32)
    assert stack.real_looking_secrets(f"PATHWAY_CODEC_KEYS=k1:{key}\n") == [key]
    assert stack.real_looking_secrets(f"# PATHWAY_CODEC_SERVER_TOKEN={token}\n") == [token]
    assert not stack.real_looking_secrets("SMTP_PASSWORD=change-me\nPATHWAY_API_MAX_BODY_BYTES=2097152\n")


def test_app_env_example_says_how_to_generate_a_codec_key():
    text = stack.read_env_file(stack.APP_ENV_EXAMPLE).text
    assert 'python -c "import os,base64;print(base64.b64encode(os.urandom(32)).decode())"' in text


def pathway_environment(name: str, replace_placeholders: bool) -> dict[str, str]:
    """What the process would see, with the operator's .env values made up by the test."""
    variables = {"PATHWAY_DB_PASSWORD": secrets.token_urlsafe(24)}
    env = {key: stack.interpolate(value, variables) for key, value in stack.received_environment(service(name)).items()}
    if replace_placeholders:
        env = {key: realistic(key, value) if stack.PLACEHOLDER in value else value for key, value in env.items()}
    return env


def realistic(name: str, placeholder: str) -> str:
    if name == "PATHWAY_CODEC_KEYS":
        return f"k1:{base64.b64encode(os.urandom(32)).decode()}"
    if name in stack.secret_names():
        return secrets.token_urlsafe(24)
    return placeholder.replace(stack.PLACEHOLDER, "hospital")


def refuses_to_start(env: dict[str, str]) -> bool:
    from pathway_runtime.temporal import codec_keys

    try:
        codec_keys(load_config(env))
    except ConfigError:
        return True
    return False


@pytest.mark.parametrize("name", PATHWAY_SERVICES)
def test_pathway_processes_refuse_the_example_placeholders(name):
    assert refuses_to_start(pathway_environment(name, replace_placeholders=False))


@pytest.mark.parametrize("name", PATHWAY_SERVICES)
def test_the_example_is_a_valid_configuration_once_its_placeholders_are_filled_in(name):
    env = pathway_environment(name, replace_placeholders=True)
    assert not refuses_to_start(env)
    config = load_config(env)
    assert config.codec_keys and config.smtp_host and config.codec_server_token, "encryption and e-mail are on"


def test_every_compose_variable_is_documented_and_required_passwords_start_empty():
    example = stack.read_env_file(stack.COMPOSE_ENV_EXAMPLE)
    for name, required in stack.interpolated_names(stack.COMPOSE_FILE.read_text()).items():
        assert name in example.values or name in example.documented, f".env.example does not mention {name}"
        if required:
            assert example.values.get(name) == "", f"{name}: empty in .env.example, so Compose refuses to start"


def test_compose_does_not_swallow_shell_variables_of_commands_and_health_checks():
    for name, spec in stack.services().items():
        for text in stack.command_strings(spec):
            assert "$" not in text.replace("$$", ""), f"{name}: write $$ for a shell variable: {text}"


# --- wiring between the services -----------------------------------------------------------

def test_pathway_processes_reach_temporal_and_their_database_inside_the_stack():
    env = pathway_environment("worker", replace_placeholders=True)
    host, port = env["TEMPORAL_ADDRESS"].rsplit(":", 1)
    assert image_repository(service(host)["image"]) == "temporalio/server" and port == "7233"
    url = urlsplit(env["DATABASE_URL"])
    assert url.hostname == "postgres" and url.port == 5432
    init_sql = (stack.ROOT / "deploy" / "postgres-init" / "10-roles-and-databases.sql").read_text()
    database, user = url.path.lstrip("/"), url.username
    assert f"CREATE ROLE {user} LOGIN" in init_sql and f"CREATE DATABASE {database} OWNER {user}" in init_sql


def test_postgres_init_reads_only_variables_given_to_postgres():
    given = set(stack.environment(service("postgres")))
    for script in (stack.ROOT / "deploy" / "postgres-init").iterdir():
        read = set(re.findall(r"\\getenv\s+\w+\s+(\w+)", script.read_text()))
        assert read and read <= given, f"{script.name} reads {read - given}"


def test_pathway_processes_the_ui_and_the_namespace_job_use_one_namespace():
    names = PATHWAY_SERVICES + ("temporal-namespace",)
    namespaces = {stack.environment(service(name))["TEMPORAL_NAMESPACE"] for name in names}
    namespaces.add(stack.environment(service("temporal-ui"))["TEMPORAL_DEFAULT_NAMESPACE"])
    assert len(namespaces) == 1 and "default" not in namespaces


def test_search_attributes_are_registered_by_the_project_before_any_pathway_runs():
    assert service("temporal-setup")["command"] == ["pathway", "temporal", "setup"]
    for name in ("worker", "api"):
        assert depends_on(name).get("temporal-setup") == "service_completed_successfully"


def test_ui_calls_the_published_codec_server_which_allows_the_ui_origin():
    ui = {key: stack.interpolate(value) for key, value in stack.environment(service("temporal-ui")).items()}
    codec_url = urlsplit(ui["TEMPORAL_CODEC_ENDPOINT"])
    assert codec_url.port == stack.published_ports(service("codec-server"))[0].host
    ui_origin = pathway_environment("codec-server", replace_placeholders=True)["PATHWAY_CODEC_UI_ORIGIN"]
    assert ui_origin == ui["TEMPORAL_CORS_ORIGINS"]
    assert urlsplit(ui_origin).port == stack.published_ports(service("temporal-ui"))[0].host


def test_mounted_files_and_entrypoint_scripts_exist():
    for name, spec in stack.services().items():
        mounts = {}
        for volume in spec.get("volumes") or []:
            source, target = str(volume).split(":")[:2]
            if source.startswith("./"):
                assert (stack.ROOT / source).exists(), f"{name}: {source} is missing"
                mounts[target] = stack.ROOT / source
        for part in spec.get("entrypoint") or []:
            for target, source in mounts.items():
                if str(part).startswith(target + "/"):
                    assert (source / str(part)[len(target) + 1:]).is_file(), f"{name}: {part} is missing"


# --- commands --------------------------------------------------------------------------

def pathway_subcommands() -> set[str]:
    parser = build_parser()
    return set(next(a for a in parser._actions if a.dest == "command").choices)


@pytest.mark.parametrize("name", PATHWAY_SERVICES)
def test_each_pathway_service_runs_a_real_command(name):
    command = service(name)["command"]
    if command[:2] == ["python", "-m"]:
        assert importlib.util.find_spec(command[2]) is not None
        return
    assert command[0] == "pathway"
    assert command[1] in pathway_subcommands(), f"`pathway {command[1]}` does not exist"
    build_parser().parse_args(command[1:])  # exits (SystemExit) on an unknown option
