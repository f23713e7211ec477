"""compose.yaml and the Dockerfile against the rest of the repository (there is no Docker
daemon to run them here): the app services run the systemd units' commands, every variable
they set is a setting the app or gunicorn reads, the nginx files they mount exist and have
every placeholder filled in, and the image is the documented one."""

import re
import shlex
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.one_database("reads files only")

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = yaml.safe_load((ROOT / "compose.yaml").read_text())
SERVICES = COMPOSE["services"]
APP_SERVICES = ("web", "worker", "scheduler")
#: Settings the jobs and object-storage parts of issue 19 add to config.py on their branches.
#: Once merged they are in config.py, and the test below asks to empty this set.
PENDING_SETTINGS: set[str] = set()
#: The systemd units the jobs part adds (deploy/systemd/neig-worker.service, -scheduler).
PENDING_UNITS: set[str] = set()
#: Read outside config.py: by create_app (NEIG_CONFIG, NEIG_INSTANCE_PATH) and by
#: prometheus_client itself (PROMETHEUS_MULTIPROC_DIR, also a setting).
PROCESS_VARIABLES = {"NEIG_CONFIG", "NEIG_INSTANCE_PATH", "PROMETHEUS_MULTIPROC_DIR"}
_READ = re.compile(r'(?:os\.environ\.get|_env_int|_env_bool|_env_list)\(\s*"([A-Z0-9_]+)"')


def variables_read_by(path: Path) -> set[str]:
    return set(_READ.findall(path.read_text()))


def settings() -> set[str]:
    return variables_read_by(ROOT / "config.py")


def unit_command(service: str) -> list[str]:
    """ExecStart of deploy/systemd/neig-<service>.service, the virtualenv's path taken off."""
    unit = (ROOT / "deploy" / "systemd" / f"neig-{service}.service").read_text()
    [line] = [line for line in unit.splitlines() if line.startswith("ExecStart=")]
    command = shlex.split(line.removeprefix("ExecStart="))
    return [Path(command[0]).name, *command[1:]]


def test_the_stack_has_every_part():
    assert {"web", "worker", "scheduler", "nginx", "postgres", "redis", "clamav", "minio"} <= set(
        SERVICES
    )


def test_the_pending_lists_are_emptied_once_the_other_parts_are_merged():
    assert not PENDING_SETTINGS & settings(), "merged: remove these from PENDING_SETTINGS"
    units = {
        name
        for name in PENDING_UNITS
        if (ROOT / "deploy/systemd" / f"neig-{name}.service").exists()
    }
    assert not units, "merged: remove these from PENDING_UNITS"


@pytest.mark.parametrize("service", APP_SERVICES)
def test_an_app_service_runs_its_systemd_units_command_from_the_image(service):
    definition = SERVICES[service]
    assert definition["build"] == "." and definition["image"] == "neig-werkruimte:latest"
    if service in PENDING_UNITS:
        assert definition["command"][:4] == ["flask", "--app", "wsgi", "neig"]
        return
    assert definition["command"] == unit_command(service)


def test_the_image_runs_the_web_command_by_default():
    dockerfile = (ROOT / "Dockerfile").read_text()
    [cmd] = [line for line in dockerfile.splitlines() if line.startswith("CMD ")]
    assert yaml.safe_load(cmd.removeprefix("CMD ")) == SERVICES["web"]["command"]


@pytest.mark.parametrize("service", APP_SERVICES)
def test_every_variable_of_an_app_service_is_read_by_the_app_or_gunicorn(service):
    known = settings() | variables_read_by(ROOT / "deploy" / "gunicorn.conf.py")
    known |= PROCESS_VARIABLES | PENDING_SETTINGS
    unknown = set(SERVICES[service]["environment"]) - known
    assert not unknown, f"{service} sets variables nothing reads: {sorted(unknown)}"


def test_the_systemd_units_set_only_variables_that_are_read():
    """The same check for the units' own Environment= lines (TRUST_PROXY_HOPS was one)."""
    known = settings() | variables_read_by(ROOT / "deploy" / "gunicorn.conf.py") | PROCESS_VARIABLES
    for unit in (ROOT / "deploy" / "systemd").glob("*.service"):
        for line in unit.read_text().splitlines():
            if line.startswith("Environment="):
                names = {item.split("=", 1)[0] for item in shlex.split(line.split("=", 1)[1])}
                assert names <= known, f"{unit.name}: {sorted(names - known)}"


def test_every_mounted_file_of_the_repository_exists():
    for name, definition in SERVICES.items():
        for volume in definition.get("volumes", []):
            source = volume.split(":", 1)[0]
            if source.startswith("./"):
                assert (ROOT / source).is_file(), f"{name} mounts {source}, which is not there"


def test_nginx_fills_in_every_placeholder_of_the_files_it_mounts():
    nginx = SERVICES["nginx"]
    script = nginx["command"][-1]
    mounted = [volume.split(":")[0] for volume in nginx["volumes"] if volume.startswith("./")]
    assert {Path(path).name for path in mounted} == {
        path.name for path in (ROOT / "deploy" / "nginx").glob("*.conf")
    }
    for path in mounted:
        for placeholder in set(re.findall(r"@[A-Z_]+@", (ROOT / path).read_text())):
            assert f"s|{placeholder}|" in script, f"{placeholder} of {path} is never replaced"
    # Each file copied to where nginx reads it, nginx in the foreground.
    assert script.rstrip().endswith("exec nginx -g 'daemon off;'")


def test_every_secret_compose_asks_for_is_in_the_example_environment():
    text = (ROOT / "compose.yaml").read_text()
    asked = set(re.findall(r"\$\{([A-Z0-9_]+)(?::?[-?][^}]*)?\}", text))
    example = (ROOT / "deploy" / "compose.env.example").read_text()
    listed = set(re.findall(r"^([A-Z0-9_]+)=", example, flags=re.MULTILINE))
    assert asked == listed


def test_the_image_is_python_3_11_slim_non_root_with_translations_compiled():
    lines = (ROOT / "Dockerfile").read_text().splitlines()
    assert lines[[i for i, line in enumerate(lines) if line.startswith("FROM ")][0]] == (
        "FROM python:3.11-slim"
    )
    [user] = [line for line in lines if line.startswith("USER ")]
    assert user != "USER root" and user.split()[1] != "0"
    assert any("pybabel compile" in line for line in lines)
    ignored = (ROOT / ".dockerignore").read_text().splitlines()
    assert {".git", ".venv", "instance", ".env", "tests"} <= set(ignored)
