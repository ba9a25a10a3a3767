"""Demo data of the registry (filled by the demo work)."""


def register() -> None:
    pass
