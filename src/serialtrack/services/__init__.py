"""Use cases: (tx, actor, primitives) -> result. Roles are checked here."""
