"""Settings from the environment and the command line; no module-level state."""

from __future__ import annotations

import os
from dataclasses import dataclass

DEFAULT_DATABASE = "sqlite:///serialtrack.db"


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE
    user: str = "admin"

    @classmethod
    def from_env(cls, database_url: str | None = None, user: str | None = None) -> Settings:
        return cls(
            database_url=database_url
            or os.environ.get("SERIALTRACK_DATABASE_URL")
            or DEFAULT_DATABASE,
            user=user or os.environ.get("SERIALTRACK_USER") or "admin",
        )
