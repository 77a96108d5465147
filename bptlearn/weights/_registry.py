"""Named pretrained weights, timm-style: ``bpt_<preset>.<tag>`` -> :class:`PretrainedCfg`.

Each entry is a fact sheet about one set of weights: which preset it fits, which files
hold it (with their SHA-256 where known), their key layout, the input the weights expect
(the *contract*: sampling rate, patch length, band-power rate, normalisation, channel
types), and where they come from. Files live in the package (``bptlearn/weights/files``),
in a folder the user fills (see :func:`weights_home`), or, for entries naming a
``hub_repo``, in the Hugging Face Hub cache (fetched by ``bptlearn/weights/_hub.py``).
"""

from __future__ import annotations

import difflib
import fnmatch
import math
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from numbers import Integral, Real
from pathlib import Path
from typing import Any

from ..nn.config import PRESETS, BPTConfig
from ..utils._check import _check_option, _validate_type

#: Layouts a weight file may use.
FORMATS = ("bptlearn", "official", "braindecode")

#: Ways the input may have been scaled before it reached the model, and what each means.
NORMALIZATIONS: dict[str, str] = {
    "robust_channel": "per recording and channel: subtract the median and divide by "
                      "1.4826 x the median absolute deviation (bptlearn.data.robust_channel_stats)",
    "zscore_window": "per window and channel: subtract the mean and divide by the standard "
                     "deviation (the 'time-level normalisation' of the authors' later benchmark)",
    "none": "raw samples in microvolts",
    "unknown": "not published",
}

#: Names of the input-contract fields, in the order they are documented.
CONTRACT_FIELDS = ("sfreq", "patch_len", "n_patches", "band_sfreq", "normalization",
                   "channel_types")

DEFAULT_WEIGHTS = "bpt_nano.shipped"
PACKAGE_DIR = Path(__file__).resolve().parent / "files"
_PAPER = "Zhang et al., 'Brant: Foundation Model for Intracranial Neural Signal', NeurIPS 2023"


def weights_home() -> Path:
    """Folder where user-supplied weights go: ``$BPTLEARN_HOME/weights``.

    ``BPTLEARN_HOME`` defaults to ``~/.cache/bptlearn``. Registered weights that are not
    shipped with the package are looked up in ``weights_home() / <name>``.

    Examples
    --------
    >>> from bptlearn.weights import weights_home
    >>> weights_home().name
    'weights'
    """
    root = os.environ.get("BPTLEARN_HOME") or Path.home() / ".cache" / "bptlearn"
    return Path(root).expanduser() / "weights"


@dataclass(frozen=True)
class PretrainedCfg:
    """Facts about one set of pretrained weights (timm's ``PretrainedCfg`` idea).

    Parameters
    ----------
    name : str
        ``bpt_<preset>.<tag>``, e.g. ``'bpt_large.official'``.
    preset : str
        The :data:`bptlearn.nn.PRESETS` size the weights fit.
    files : tuple of (str, str or None)
        File names and their SHA-256 hex digests (``None`` where not known in advance).
    format : {'bptlearn', 'official', 'braindecode'}
        Key layout of the files.
    sfreq, patch_len, n_patches, band_sfreq, normalization, channel_types
        The input contract: sampling rate in Hz, samples per patch, most patches per
        window, rate the band-power spectrum assumes (256 for the official weights),
        one of :data:`NORMALIZATIONS`, and the channel types pretrained on.
    license, paper, origin_url, notes : str
        Provenance.
    packaged : bool
        Whether the files ship inside the package (else they go in
        ``weights_home() / name``).
    hub_repo : str or None
        Hugging Face Hub repository holding the files (``'ORG/NAME'``, optionally
        ``'@REVISION'``). When set and the files are not in :attr:`default_dir`,
        :func:`~bptlearn.weights.load` fetches them from there (``pip install
        bptlearn[hub]``), and ``load('hf://ORG/NAME')`` reads them as this entry
        (SHA-256 and input contract included). ``None`` where no public repository is
        known, as for the official two-file weights, which the authors send on request.

    Examples
    --------
    >>> from bptlearn.weights import get_pretrained_cfg
    >>> cfg = get_pretrained_cfg("bpt_large.official")
    >>> cfg.preset, cfg.band_sfreq, [f for f, _ in cfg.files]
    ('large', 256.0, ['time_encoder.pt', 'channel_encoder.pt'])
    """

    name: str
    preset: str
    files: tuple[tuple[str, str | None], ...]
    format: str = "bptlearn"
    sfreq: float = 250.0
    patch_len: int = 1500
    n_patches: int = 15
    band_sfreq: float = 250.0
    normalization: str = "robust_channel"
    channel_types: tuple[str, ...] = ("seeg",)
    license: str = ""
    paper: str = _PAPER
    origin_url: str = ""
    notes: str = ""
    packaged: bool = False
    hub_repo: str | None = None

    def __post_init__(self) -> None:
        _check_option("format", self.format, FORMATS)
        _check_option("normalization", self.normalization, NORMALIZATIONS)
        if self.preset not in PRESETS and self.preset != "custom":
            _check_option("preset", self.preset, [*PRESETS, "custom"])
        for name in ("sfreq", "band_sfreq"):
            value = getattr(self, name)
            if (isinstance(value, bool) or not isinstance(value, Real)
                    or not math.isfinite(value) or value <= 0):
                raise ValueError(f"contract[{name!r}] must be a positive, finite number (Hz), "
                                 f"got {value!r} ({type(value).__name__}).")
        for name in ("patch_len", "n_patches"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, Integral) or value < 1:
                raise ValueError(f"contract[{name!r}] must be a positive int, got {value!r} "
                                 f"({type(value).__name__}).")
        if not all(isinstance(t, str) for t in self.channel_types):
            raise ValueError(f"contract['channel_types'] must hold channel type names such as "
                             f"'seeg', got {list(self.channel_types)!r}.")

    @property
    def contract(self) -> dict[str, Any]:
        """The input contract as a JSON-safe dict (keys :data:`CONTRACT_FIELDS`)."""
        out = {k: getattr(self, k) for k in CONTRACT_FIELDS}
        out["channel_types"] = list(out["channel_types"])
        return out

    @property
    def default_dir(self) -> Path:
        """Where the files are looked up when no ``path`` is given."""
        return PACKAGE_DIR if self.packaged else weights_home() / self.name

    @property
    def has_weights(self) -> bool:
        """Whether every file of this entry is present in :attr:`default_dir`."""
        return all((self.default_dir / fname).is_file() for fname, _ in self.files)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dict of every field."""
        out = asdict(self)
        out["files"] = [list(f) for f in self.files]
        out["channel_types"] = list(self.channel_types)
        return out

    def replace(self, **changes: Any) -> PretrainedCfg:
        """Return a copy with some fields changed."""
        return replace(self, **changes)


def contract_from(value: Any) -> dict[str, Any]:
    """Check and complete an input contract given as a dict or a :class:`PretrainedCfg`."""
    if isinstance(value, PretrainedCfg):
        return value.contract
    _validate_type(value, dict, "contract")
    unknown = set(value) - set(CONTRACT_FIELDS)
    if unknown:
        raise ValueError(
            f"contract has unknown field(s) {sorted(unknown)}; the fields are "
            f"{list(CONTRACT_FIELDS)}."
        )
    base = PretrainedCfg(name="contract", preset="custom", files=())
    channel_types = value.get("channel_types", base.channel_types)
    if isinstance(channel_types, str):
        channel_types = (channel_types,)
    merged = replace(base, **{**value, "channel_types": tuple(channel_types)})
    return merged.contract


def check_contract_fits(contract: Mapping[str, Any], config: BPTConfig) -> None:
    """Raise ``ValueError`` where an input contract contradicts the model it describes.

    The model is fed at ``config.sfreq`` in patches of ``config.patch_len`` samples, with
    ``config.n_patches`` positions and band power at ``config.band_sfreq``: a contract
    saying otherwise would be a promise the model cannot keep.
    """
    clashes = [f"{name}={contract[name]!r} but the model's {name}={getattr(config, name)!r}"
               for name in ("sfreq", "patch_len", "band_sfreq")
               if name in contract and contract[name] != getattr(config, name)]
    if contract.get("n_patches", 0) > config.n_patches:
        clashes.append(f"n_patches={contract['n_patches']} but the model's {config.n_patches} "
                       "positions hold fewer patches")
    if clashes:
        fields_ = ", ".join(f"{n}={getattr(config, n)!r}" for n in ("sfreq", "patch_len",
                                                                   "band_sfreq"))
        wanted = {n: contract[n] for n in ("sfreq", "patch_len", "band_sfreq") if n in contract}
        raise ValueError(
            f"The input contract contradicts the model: {'; '.join(clashes)}. The contract "
            f"must describe the model ({fields_}, n_patches <= {config.n_patches}): leave "
            f"these fields out of the contract, or build the model for them "
            f"(BPTConfig({', '.join(f'{k}={v!r}' for k, v in wanted.items())}))."
        )


def _official(preset: str) -> PretrainedCfg:
    return PretrainedCfg(
        name=f"bpt_{preset}.official", preset=preset,
        files=(("time_encoder.pt", None), ("channel_encoder.pt", None)),
        format="official", band_sfreq=256.0, normalization="zscore_window",
        license="research use; terms set by the authors (code Apache-2.0)",
        origin_url="https://github.com/yzz673/Brant",
        notes=("Released by the authors on request (two plain state dicts). Pretrained on "
               "~2700 h of private clinical SEEG at 250 Hz. The band power was computed with "
               "fs=256 on 250 Hz data (kept here as band_sfreq=256 for parity). The paper does "
               "not state its normalisation; 'zscore_window' follows the authors' later "
               "benchmark and is an assumption. SHA-256 not published: not verified."),
    )


_REGISTRY: dict[str, PretrainedCfg] = {
    cfg.name: cfg for cfg in (
        *(_official(p) for p in ("tiny", "small", "medium", "large")),
        PretrainedCfg(
            name="bpt_large.braindecode", preset="large",
            files=(("model.safetensors", None),), format="braindecode", band_sfreq=256.0,
            normalization="zscore_window", license="see the origin's model card",
            origin_url="https://huggingface.co/braindecode/brant-pretrained",
            hub_repo="braindecode/brant-pretrained",
            notes=("The official large weights in braindecode's single-file layout (mask tokens "
                   "dropped; restored as zeros on loading). Fetched from the Hub when not in "
                   "weights_home() (pip install bptlearn[hub]; HF_HUB_OFFLINE=1 reads the "
                   "Hub cache only)."),
        ),
        PretrainedCfg(
            name="bpt_nano.shipped", preset="nano",
            files=(("bpt_nano.shipped.safetensors",
                    "3e640f4f612c1e6effdfc43a883a60d2bd0ac5b66b6c01ccee857553a260cb99"),),
            format="bptlearn", normalization="robust_channel", license="BSD-3-Clause",
            origin_url="doc/model_card.rst", packaged=True,
            notes=("Small default pretrained by bptlearn on synthetic SEEG (make_seeg) on CPU; "
                   "see doc/model_card.rst for what it is and is not."),
        ),
    )
}


def list_pretrained(pattern: str | None = None) -> list[str]:
    """Names of the registered weights, sorted, optionally filtered by a glob pattern.

    Parameters
    ----------
    pattern : str or None, default=None
        :mod:`fnmatch` pattern such as ``'bpt_large.*'`` or ``'*.official'``.

    Returns
    -------
    names : list of str

    Examples
    --------
    >>> from bptlearn.weights import list_pretrained
    >>> list_pretrained("*.official")
    ['bpt_large.official', 'bpt_medium.official', 'bpt_small.official', 'bpt_tiny.official']
    """
    _validate_type(pattern, ("str", None), "pattern")
    names = sorted(_REGISTRY)
    return names if pattern is None else fnmatch.filter(names, pattern)


def get_pretrained_cfg(name: str) -> PretrainedCfg:
    """The :class:`PretrainedCfg` registered under ``name``.

    Parameters
    ----------
    name : str
        A name from :func:`list_pretrained`.

    Returns
    -------
    cfg : PretrainedCfg

    Examples
    --------
    >>> from bptlearn.weights import DEFAULT_WEIGHTS, get_pretrained_cfg
    >>> get_pretrained_cfg(DEFAULT_WEIGHTS).preset
    'nano'
    """
    _validate_type(name, "str", "name")
    try:
        return _REGISTRY[name]
    except KeyError:
        close = difflib.get_close_matches(name, _REGISTRY, n=1, cutoff=0.5)
        hint = f" Did you mean {close[0]!r}, the closest registered name?" if close else ""
        raise ValueError(
            f"No weights are registered under the name {name!r}, and no file of that name "
            f"exists.{hint} bptlearn.weights.list_pretrained() lists the registered names: "
            f"{sorted(_REGISTRY)}."
        ) from None
