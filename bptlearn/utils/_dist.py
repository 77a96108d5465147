"""torchrun's environment, read in one place (no torch needed)."""

from __future__ import annotations

import os


def _env_int(name: str, default: int | None) -> int | None:
    value = os.environ.get(name)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"Environment variable {name}={value!r} must be an integer "
                         "(it is set by torchrun).") from None


def torchrun_env() -> tuple[int, int, int | None]:
    """Rank, world size and local rank from torchrun's environment variables.

    Returns
    -------
    rank : int
        ``RANK``, 0 when unset.
    world : int
        ``WORLD_SIZE``, 1 when unset.
    local_rank : int or None
        ``LOCAL_RANK``, None when unset.

    Examples
    --------
    >>> import os
    >>> from bptlearn.utils._dist import torchrun_env
    >>> saved = {k: os.environ.pop(k) for k in ("RANK", "WORLD_SIZE", "LOCAL_RANK")
    ...          if k in os.environ}
    >>> torchrun_env()
    (0, 1, None)
    >>> os.environ.update(saved)
    """
    rank, world = _env_int("RANK", 0), _env_int("WORLD_SIZE", 1)
    if not 0 <= rank < world:
        raise ValueError(f"RANK={rank} must lie in 0..WORLD_SIZE-1 (WORLD_SIZE={world}).")
    return rank, world, _env_int("LOCAL_RANK", None)
