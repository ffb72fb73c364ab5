"""Demo data for safety: filled in below."""


def safety_step(demo) -> None:
    return None
