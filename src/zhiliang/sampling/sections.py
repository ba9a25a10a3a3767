"""(placeholder until written)"""


def register() -> None:
    pass
