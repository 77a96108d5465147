"""Weights from the Hugging Face Hub, offline-first: ``hf://ORG/NAME[@REVISION]``.

Files are fetched with :func:`huggingface_hub.snapshot_download` (the optional extra
``pip install bptlearn[hub]``) into the Hub's own cache, so that every tool sharing that
cache shares the files. Two environment variables are read at each call, not at import:
``HF_HUB_OFFLINE=1`` never touches the network (the files must already be cached), and
``HF_HUB_CACHE`` moves the cache. Files of registered weights are checked against the
registry's SHA-256 where it knows them, exactly as local files are.
"""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path
from typing import Any

from ..exceptions import CheckpointError

logger = logging.getLogger(__name__)

HUB_PREFIX = "hf://"
# files worth fetching from a repository the registry does not describe
_WEIGHT_PATTERNS = ["*.safetensors", "*.pt", "*.pth"]
_REPO = re.compile(r"^[\w.-]+/[\w.-]+$")


def is_hub_source(source: Any) -> bool:
    """Whether ``source`` names weights on the Hub (``'hf://ORG/NAME'``)."""
    return isinstance(source, str) and source.startswith(HUB_PREFIX)


def parse_hub_source(source: str) -> tuple[str, str | None]:
    """``'hf://ORG/NAME@REV'`` -> ``('ORG/NAME', 'REV')`` (revision ``None`` when absent).

    Examples
    --------
    >>> from bptlearn.weights._hub import parse_hub_source
    >>> parse_hub_source("hf://braindecode/brant-pretrained@main")
    ('braindecode/brant-pretrained', 'main')
    """
    repo, _, revision = source[len(HUB_PREFIX):].partition("@")
    if not _REPO.match(repo) or (revision == "" and "@" in source):
        raise ValueError(
            f"{source!r} is not a Hub address; write hf://ORG/NAME, or hf://ORG/NAME@REVISION "
            "for a branch, tag or commit (e.g. 'hf://braindecode/brant-pretrained')."
        )
    return repo, revision or None


def _hub():
    try:
        import huggingface_hub
        import huggingface_hub.constants
        import huggingface_hub.utils  # the error classes, in every version since 0.20
    except ImportError:
        raise ImportError(
            "Weights from the Hugging Face Hub need the huggingface_hub package: "
            "pip install bptlearn[hub] (or pip install huggingface_hub). Without it, download "
            "the files yourself and pass their folder as path=."
        ) from None
    return huggingface_hub


def _offline() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "").strip().upper() in {"1", "ON", "YES", "TRUE"}


def hub_folder(repo_id: str, revision: str | None = None,
               filenames: list[str] | None = None) -> Path:
    """Local folder holding the files of a Hub repository, downloaded if needed.

    Parameters
    ----------
    repo_id : str
        ``'ORG/NAME'``.
    revision : str or None, default=None
        Branch, tag or commit; ``None`` is the default branch.
    filenames : list of str or None, default=None
        Files to fetch; ``None`` fetches the weight files (``*.safetensors``, ``*.pt``,
        ``*.pth``).

    Returns
    -------
    folder : pathlib.Path
        The snapshot folder in the Hub cache.

    Raises
    ------
    CheckpointError
        The repository or revision does not exist, or (offline) is not in the cache.
    """
    hub = _hub()
    offline = _offline()
    cache = os.environ.get("HF_HUB_CACHE") or None
    where = cache or str(hub.constants.HF_HUB_CACHE)
    try:
        folder = hub.snapshot_download(
            repo_id, revision=revision, cache_dir=cache, local_files_only=offline,
            allow_patterns=filenames or _WEIGHT_PATTERNS, library_name="bptlearn")
    except (hub.utils.RepositoryNotFoundError, hub.utils.RevisionNotFoundError) as err:
        raise CheckpointError(
            f"The Hub has no repository {repo_id!r} (revision {revision or 'main'!r}) that "
            f"this machine may read ({type(err).__name__}). Check the name, or log in with "
            "`hf auth login` for a gated or private repository.") from err
    except (hub.utils.LocalEntryNotFoundError, OSError) as err:
        how = ("HF_HUB_OFFLINE is set, so nothing is downloaded" if offline
               else "the download failed")
        raise CheckpointError(
            f"The files of {repo_id!r} (revision {revision or 'main'!r}) are not in the Hub "
            f"cache {where!r} and {how} ({type(err).__name__}: {err}). Fetch them once online "
            f"(`hf download {repo_id}`), point HF_HUB_CACHE at a cache that holds them, or "
            "pass their folder as path=.") from err
    folder = Path(folder)
    logger.info("Weights %s (revision %s) from the Hugging Face Hub, files in %s%s", repo_id,
                revision or "main", folder, " (offline: from the cache)" if offline else "")
    return folder


def registered_path(cfg: Any, path: Any) -> Any:
    """``path`` for a registered entry: as given, else its Hub folder when its files are
    not in :attr:`~PretrainedCfg.default_dir` and the entry names a ``hub_repo``."""
    if path is not None or cfg.hub_repo is None or cfg.has_weights:
        return path
    return hub_folder(*parse_hub_source(HUB_PREFIX + cfg.hub_repo), [f for f, _ in cfg.files])


def read_hub(source: str, map_location: Any):
    """Read ``hf://ORG/NAME[@REV]`` into a :class:`~bptlearn.weights.Checkpoint`.

    A repository that a registered entry names in ``hub_repo`` is read as that entry
    (its files, SHA-256, layout and input contract); any other as the folder it is.
    """
    from ._read import _REGISTRY, _file_cfg, _read_path, read_checkpoint

    repo, revision = parse_hub_source(source)
    cfg = next((c for c in _REGISTRY.values() if c.hub_repo in (repo, f"{repo}@{revision}")),
               None)
    if cfg is not None:
        folder = hub_folder(repo, revision, [f for f, _ in cfg.files])
        return read_checkpoint(cfg.name, path=folder, map_location=map_location)
    ckpt = _read_path(hub_folder(repo, revision), map_location)
    if ckpt.pretrained_cfg is None and ckpt.format in ("official", "braindecode"):
        ckpt.pretrained_cfg = _file_cfg(None, ckpt.files, ckpt.format, None, ckpt.state_dict)
    if ckpt.pretrained_cfg is not None:
        ckpt.pretrained_cfg = ckpt.pretrained_cfg.replace(
            origin_url=f"https://huggingface.co/{repo}", hub_repo=repo)
    return ckpt
