"""Reading the deployment files as Docker would: docker-compose.yml (with its YAML
anchors, env files and ${...} interpolation), the env examples, the Dockerfile and
.dockerignore, plus the environment variables the project's code reads."""

from __future__ import annotations

import ast
import json
import re
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from pathway_runtime.config import ENV_NAMES, AppConfig

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
COMPOSE_ENV_EXAMPLE = ROOT / ".env.example"
APP_ENV_EXAMPLE = ROOT / "deploy" / ".env.example"
PLACEHOLDER = "change-me"

INTERPOLATION = re.compile(r"\$\{(?P<name>\w+)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}")
ASSIGNMENT = re.compile(r"^(?P<commented>#\s*)?(?P<name>[A-Z][A-Z0-9_]*)=(?P<value>.*)$")
# A run of base64/url-safe characters long enough to be a key or a token.
TOKEN_LIKE = re.compile(r"[A-Za-z0-9+/_-]{20,}={0,2}")
SECRET_NAME = re.compile(r"PASSWORD|SECRET|TOKEN|PWD|KEYS$")


# --- docker-compose.yml --------------------------------------------------------------

@cache
def compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text())


def services() -> dict[str, dict]:
    return compose()["services"]


def pathway_services() -> dict[str, dict]:
    """The services that run our code: those built from the repository."""
    return {name: spec for name, spec in services().items() if "build" in spec}


def is_one_shot(spec: dict) -> bool:
    return spec.get("restart") == "no"


def environment(spec: dict) -> dict[str, str | None]:
    env = spec.get("environment") or {}
    if isinstance(env, list):
        return dict(item.split("=", 1) if "=" in item else (item, None) for item in env)
    return {key: None if value is None else str(value) for key, value in env.items()}


def env_files(spec: dict) -> list[Path]:
    entries = spec.get("env_file") or []
    entries = [entries] if isinstance(entries, str | dict) else entries
    return [ROOT / (entry["path"] if isinstance(entry, dict) else entry) for entry in entries]


def committed_example(env_file: Path) -> Path:
    """deploy/.env is the operator's copy of the committed deploy/.env.example."""
    return env_file.with_name(env_file.name + ".example")


def received_environment(spec: dict) -> dict[str, str]:
    """What a container of this service gets, with the committed examples standing in for
    the operator's env files; empty and unset values count as not given."""
    received: dict[str, str] = {}
    for env_file in env_files(spec):
        received |= read_env_file(committed_example(env_file)).values
    received |= {key: value for key, value in environment(spec).items() if value is not None}
    return {key: value for key, value in received.items() if value != ""}


def interpolate(value: str, variables: dict[str, str] | None = None) -> str:
    """Compose's ${NAME}, ${NAME:-default} and ${NAME:?message}; a required variable that
    is not given becomes 'required-NAME' (the test stands in for the operator)."""
    variables = variables or {}

    def substitute(match: re.Match) -> str:
        name, op, arg = match["name"], match["op"], match["arg"]
        if variables.get(name):
            return variables[name]
        if op in (":-", "-"):
            return arg
        return f"required-{name}" if op in (":?", "?") else ""

    placeholder = "\0"
    return INTERPOLATION.sub(substitute, value.replace("$$", placeholder)).replace(placeholder, "$")


def interpolated_names(text: str) -> dict[str, bool]:
    """Every ${NAME...} in the text, and whether Compose requires it (:? or ?)."""
    names: dict[str, bool] = {}
    for match in INTERPOLATION.finditer(text.replace("$$", "")):
        names[match["name"]] = names.get(match["name"], False) or match["op"] in (":?", "?")
    return names


@dataclass(frozen=True)
class Port:
    host_ip: str
    host: int
    container: int


def published_ports(spec: dict) -> list[Port]:
    ports = []
    for entry in spec.get("ports") or []:
        parts = interpolate(str(entry)).split(":")
        host_ip = parts[0] if len(parts) == 3 else "0.0.0.0"
        ports.append(Port(host_ip, int(parts[-2]), int(parts[-1])))
    return ports


def command_strings(spec: dict) -> list[str]:
    strings: list[str] = []
    for key in ("command", "entrypoint"):
        value = spec.get(key) or []
        strings += [value] if isinstance(value, str) else [str(part) for part in value]
    test = (spec.get("healthcheck") or {}).get("test") or []
    strings += [test] if isinstance(test, str) else [str(part) for part in test]
    return strings


# --- env files ------------------------------------------------------------------------

@dataclass(frozen=True)
class EnvFile:
    values: dict[str, str]
    """KEY=VALUE lines."""
    documented: set[str]
    """Names of commented-out `# KEY=VALUE` lines: settings left at their defaults."""
    text: str


def read_env_file(path: Path) -> EnvFile:
    values: dict[str, str] = {}
    documented: set[str] = set()
    text = path.read_text()
    for line in text.splitlines():
        match = ASSIGNMENT.match(line.strip())
        if match and match["commented"]:
            documented.add(match["name"])
        elif match:
            values[match["name"]] = match["value"].strip()
    return EnvFile(values, documented, text)


def secret_names() -> set[str]:
    """Settings the configuration hides from its repr, and anything named like a secret."""
    hidden = {ENV_NAMES[field] for field, info in AppConfig.model_fields.items()
              if info.repr is False and field in ENV_NAMES}
    return hidden | {name for name in code_env_names() if SECRET_NAME.search(name)}


def is_secret(name: str) -> bool:
    return name in secret_names() or bool(SECRET_NAME.search(name))


def real_looking_secrets(text: str) -> list[str]:
    """Runs of characters that look like a generated key or token (long, mixing letter
    cases or digits) and are not marked as a placeholder."""
    found = []
    for token in TOKEN_LIKE.findall(text):
        classes = sum(bool(re.search(pattern, token)) for pattern in ("[a-z]", "[A-Z]", "[0-9]"))
        if classes >= 2 and PLACEHOLDER not in token:
            found.append(token)
    return found


# --- what the code reads ----------------------------------------------------------------

def project_sources() -> list[Path]:
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    files = [ROOT / f"{module}.py" for module in setuptools.get("py-modules", [])]
    for package in setuptools["packages"]:
        files += sorted((ROOT / package.replace(".", "/")).rglob("*.py"))
    return files


def _literal_env_reads(tree: ast.AST) -> set[str]:
    """os.environ["X"], os.environ.get("X"), os.getenv("X"), environ.get("X")."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load) and _is_environ(node.value):
            key = node.slice
        elif isinstance(node, ast.Call) and node.args and _is_env_getter(node.func):
            key = node.args[0]
        else:
            continue
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            names.add(key.value)
    return names


def _is_environ(node: ast.AST) -> bool:
    return (isinstance(node, ast.Attribute) and node.attr == "environ") or (
        isinstance(node, ast.Name) and node.id == "environ")


def _is_env_getter(func: ast.AST) -> bool:
    if isinstance(func, ast.Attribute) and func.attr == "get" and _is_environ(func.value):
        return True
    return isinstance(func, ast.Attribute) and func.attr == "getenv"


@cache
def code_env_names() -> frozenset[str]:
    """Every variable the code reads: the configuration's ENV_NAMES, the literal reads
    anywhere in the installed packages, and the two addresses every process needs."""
    scanned: set[str] = set()
    for source in project_sources():
        scanned |= _literal_env_reads(ast.parse(source.read_text(), filename=str(source)))
    return frozenset(set(ENV_NAMES.values()) | scanned | {"DATABASE_URL", "TEMPORAL_ADDRESS"})


# --- Dockerfile, .dockerignore -----------------------------------------------------------

@dataclass(frozen=True)
class Instruction:
    keyword: str
    args: str


def dockerfile_instructions() -> list[Instruction]:
    joined = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    instructions = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, args = line.partition(" ")
            instructions.append(Instruction(keyword.upper(), " ".join(args.split())))
    return instructions


def dockerfile_stages() -> list[list[Instruction]]:
    """The instructions of each stage, each list starting with its FROM."""
    stages: list[list[Instruction]] = []
    for instruction in dockerfile_instructions():
        if instruction.keyword == "FROM":
            stages.append([])
        if stages:
            stages[-1].append(instruction)
    return stages


def base_image(from_instruction: Instruction) -> str:
    """The image a FROM names, with the global ARG defaults substituted."""
    defaults = {}
    for instruction in dockerfile_instructions():
        if instruction.keyword == "FROM":
            break
        if instruction.keyword == "ARG" and "=" in instruction.args:
            name, value = instruction.args.split("=", 1)
            defaults[name] = value
    image = from_instruction.args.split()[0]
    return re.sub(r"\$\{?(\w+)\}?", lambda m: defaults.get(m[1], m[0]), image)


def exec_form(instruction: Instruction) -> list[str]:
    return json.loads(instruction.args)


def dockerignore_patterns() -> list[str]:
    lines = (line.strip() for line in DOCKERIGNORE.read_text().splitlines())
    return [line for line in lines if line and not line.startswith("#")]
