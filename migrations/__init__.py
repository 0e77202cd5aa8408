"""Alembic migrations. Run them with `crm migrate` (as the owner role)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

HERE = Path(__file__).parent


def alembic_config(owner_url: str, app_role: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(HERE))
    config.attributes["url"] = owner_url
    config.attributes["app_role"] = app_role
    return config


def upgrade_to_head(owner_url: str, app_role: str) -> None:
    # "heads": each domain area starts its own branch from the platform revisions, so areas built in
    # parallel never fight over one linear chain; a migration needing two areas names both as parents.
    command.upgrade(alembic_config(owner_url, app_role), "heads")
