"""The schema: migrations from an empty database to head and back, idempotent, safe for processes
starting together, in step with models.py, and shipped in the wheel."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from bot.store import StoreUnavailable, migrate
from bot.store.models import Base
from bot.store.schema import MIGRATIONS, SchemaGate, current, downgrade, head, upgrade

ROOT = Path(__file__).resolve().parents[2]
TABLES = {"alembic_version", "guild_settings", "quizzes", "quiz_votes"}


def _tables(conn: Connection) -> set[str]:
    return set(inspect(conn).get_table_names())


def _diff(conn: Connection) -> list[object]:
    return list(
        compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    )


async def test_migrate_from_empty_to_head(db):
    engine = db.engine()
    assert await current(engine) is None
    async with engine.connect() as conn:
        assert await conn.run_sync(_tables) == set()
    await migrate(db.url)  # the function `python -m bot migrate` calls
    assert await current(engine) == head() == "0002"
    async with engine.connect() as conn:
        assert await conn.run_sync(_tables) == TABLES


async def test_migrate_says_in_one_line_when_the_database_cannot_be_reached(unreachable_url):
    with pytest.raises(StoreUnavailable) as raised:
        await migrate(unreachable_url)
    assert str(raised.value).startswith("cannot reach the database: ")
    assert "\n" not in str(raised.value)


async def test_migrations_describe_the_same_schema_as_the_models(engine):
    async with engine.connect() as conn:
        assert await conn.run_sync(_diff) == []


async def test_upgrade_twice_is_a_no_op_and_downgrade_removes_everything(db):
    engine = db.engine()
    await upgrade(engine)
    await upgrade(engine)
    await downgrade(engine, "base")
    async with engine.connect() as conn:
        assert await conn.run_sync(_tables) == {"alembic_version"}
    assert await current(engine) is None
    await upgrade(engine)
    assert await current(engine) == head()


async def test_processes_starting_together_migrate_once(db):
    """Three bot processes migrating at the same moment: none fails, the schema is made once."""
    processes = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot.store.schema",
            "upgrade",
            db.url,
            cwd=ROOT,
            stderr=asyncio.subprocess.PIPE,
        )
        for _ in range(3)
    ]
    for process in processes:
        _, err = await asyncio.wait_for(process.communicate(), timeout=60)
        assert process.returncode == 0, err.decode()
    assert await current(db.engine()) == head()


async def test_engines_in_one_process_migrating_together_take_turns(db):
    first, second = db.engine(), db.engine()
    await asyncio.gather(upgrade(first), upgrade(second))
    assert await current(first) == head()


async def test_schema_gate_migrates_once(db):
    gate = SchemaGate(db.engine())
    await asyncio.gather(gate.ensure(), gate.ensure())
    assert gate.done
    await gate.ensure()


def test_revision_files_are_numbered_and_chained():
    versions = sorted(p for p in (MIGRATIONS / "versions").glob("[0-9]*.py"))
    assert [p.name[:4] for p in versions] == [f"{n:04d}" for n in range(1, len(versions) + 1)]
    assert head() == versions[-1].name[:4]


async def test_draft_revision_finds_nothing_to_do_when_models_match(tmp_path, monkeypatch):
    """The developer tool (python -m bot.store.schema revision) writes into a copy here."""
    import bot.store.schema as module

    copy = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS, copy)
    monkeypatch.setattr(module, "MIGRATIONS", copy)
    path = await module.draft_revision("nothing changed")
    assert path.parent == copy / "versions"
    assert path.name.startswith("0003_")
    text = path.read_text()
    assert "down_revision = '0002'" in text or 'down_revision = "0002"' in text
    body = text.split("def upgrade() -> None:")[1].split("def downgrade")[0]
    assert "op." not in body  # models and migrations agree: nothing to migrate


def test_the_wheel_ships_the_migrations(tmp_path):
    """`pip install .` (not only -e) must contain env.py, the template and every revision. Built from a
    copy of the sources, so the build leaves nothing in the work tree."""
    pytest.importorskip("setuptools")
    source = tmp_path / "src"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in ("bot", "cogs"):
        shutil.copytree(ROOT / name, source / name, ignore=ignore)
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, source / name)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            ".",
        ],
        check=True,
        cwd=source,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("bertlens-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {
        f"bot/store/{p.relative_to(MIGRATIONS.parent).as_posix()}"
        for p in MIGRATIONS.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    assert {"bot/store/migrations/env.py", "bot/store/migrations/script.py.mako"} <= expected
    assert expected <= names, sorted(expected - names)


async def test_an_older_database_is_upgraded_with_its_quizzes_kept(db):
    """A database made before quizzes remembered their language: the quiz survives the upgrade."""
    from sqlalchemy import text

    from bot.store.schema import upgrade

    engine = db.engine()
    await upgrade(engine, "0001")
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO quizzes (guild_id, channel_id, owner_id, model, sentence, word, occurrence, "
                "layer, candidates, answer, created_at, deadline) VALUES (1, 2, 3, 'bundled', 'a b', 'a', "
                "1, 5, '[\"b\"]', 0, '2026-01-01 00:00:00', '2026-01-01 00:01:00')"
            )
        )
    await migrate(db.url)
    assert await current(engine) == "0002"
    async with engine.connect() as conn:
        rows = (await conn.execute(text("SELECT word, language FROM quizzes"))).all()
    assert [tuple(r) for r in rows] == [("a", None)]
