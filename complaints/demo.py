"""Demo step: complaints at every step."""


def build(ctx) -> None:
    pass
