"""iEEG re-referencing: SEEG contact names, bipolar, Laplacian and common averages.

Every method is a linear map: a matrix ``W`` of shape ``(n_out, n_in)`` applied to the
channel axis (``W @ data``), built from channel names alone by :func:`reference_matrix`.
Arrays go through :func:`rereference`; MNE objects through :func:`rereference_mne`.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable, Sequence

import numpy as np

from ..exceptions import BPTWarning
from ..utils._check import _check_option, _validate_type

REFERENCE_METHODS = ("bipolar", "laplacian", "car", "shaft_car")

# shaft: letters, optional apostrophe(s) or prime (left hemisphere in some
# conventions: A' is not A), optional spaces, then the contact number
_CONTACT = re.compile(r"^\s*([A-Za-z]+(?:['\u2019]+)?)\s*['\u2019]?\s*(\d+)\s*$")


def parse_contact(name: str) -> tuple[str, int]:
    """Split an SEEG contact name into (shaft, contact number).

    The shaft is the leading letters, with an apostrophe kept when it follows them
    (``A'`` and ``A`` are different shafts); spaces are ignored.

    Parameters
    ----------
    name : str
        Contact name such as ``'LA1'``, ``'RHH10'``, ``"LA'1"``, ``'LA 1'`` or ``"A'12"``.

    Returns
    -------
    shaft : str
        Shaft name, e.g. ``'LA'`` or ``"A'"``.
    number : int
        Contact number along the shaft.

    Examples
    --------
    >>> from bptlearn.data import parse_contact
    >>> parse_contact("RHH10"), parse_contact("A'12"), parse_contact("LA 1")
    (('RHH', 10), ("A'", 12), ('LA', 1))
    """
    _validate_type(name, "str", "name")
    match = _CONTACT.match(name)
    if match is None:
        raise ValueError(
            f"Channel name {name!r} is not an SEEG contact name (shaft letters, then the "
            f"contact number, e.g. 'LA1', 'RHH10', \"A'12\"). Rename the channel, or mark it "
            f"bad / drop it before re-referencing.")
    return match.group(1).replace("\u2019", "'"), int(match.group(2))


def _shafts(ch_names: Sequence[str], bads: Iterable[str]) -> dict[str, list[tuple[int, int]]]:
    """Good parseable contacts as ``{shaft: [(number, index), ...]}`` sorted by number."""
    bads = set(bads)
    shafts: dict[str, list[tuple[int, int]]] = {}
    skipped = []
    for idx, name in enumerate(ch_names):
        if name in bads:
            continue
        try:
            shaft, number = parse_contact(name)
        except ValueError:
            skipped.append(name)
            continue
        shafts.setdefault(shaft, []).append((number, idx))
    if skipped:
        warnings.warn(
            f"{len(skipped)} channel(s) are not SEEG contact names and were left out of the "
            f"re-referencing: {skipped}. Rename them (e.g. 'LA1') if they are contacts.",
            BPTWarning, stacklevel=3)
    for contacts in shafts.values():
        contacts.sort()
    return shafts


def reference_matrix(ch_names: Sequence[str], method: str = "bipolar", *,
                     bads: Iterable[str] = (), max_gap: int = 1) -> tuple[np.ndarray, list[str]]:
    """Build the re-referencing matrix for a set of SEEG contact names.

    Parameters
    ----------
    ch_names : sequence of str
        Input channel names, in the order of the data's channel axis.
    method : {'bipolar', 'laplacian', 'car', 'shaft_car'}, default='bipolar'
        ``'bipolar'``: each contact minus the next one on its shaft (``'LA1-LA2'``).
        ``'laplacian'``: each contact minus the mean of its good neighbours on the shaft
        (both neighbours inside the shaft, the single one at a shaft end).
        ``'car'``: each contact minus the mean of all good contacts.
        ``'shaft_car'``: each contact minus the mean of the good contacts of its shaft.
    bads : iterable of str, default=()
        Bad contacts: never used, neither as output nor as reference.
    max_gap : int, default=1
        Largest difference of contact numbers that still counts as neighbours, for
        ``'bipolar'`` and ``'laplacian'``. With the default, a gap left by a bad or
        missing contact is skipped: ``LA1, LA2, [LA3 bad], LA4, LA5`` gives ``LA1-LA2``
        and ``LA4-LA5`` but not ``LA2-LA4``, whose wider spacing would make it record a
        larger volume than its neighbours; pass ``max_gap=2`` to bridge one missing contact.

    Returns
    -------
    W : ndarray of shape (n_out, n_in)
        Output channels are ``W @ data`` along the channel axis.
    names_out : list of str
        Output channel names: ``'anode-cathode'`` for ``'bipolar'``, the contact's own
        name otherwise.

    Examples
    --------
    >>> from bptlearn.data import reference_matrix
    >>> W, names = reference_matrix(["LA1", "LA2", "LA3", "LA4", "LA5"], bads=["LA3"])
    >>> names
    ['LA1-LA2', 'LA4-LA5']
    >>> W.tolist()[0]
    [1.0, -1.0, 0.0, 0.0, 0.0]
    """
    _check_option("method", method, REFERENCE_METHODS)
    _validate_type(max_gap, "int-like", "max_gap")
    if max_gap < 1:
        raise ValueError(f"max_gap must be >= 1, got {max_gap} instead.")
    ch_names = list(ch_names)
    if len(set(ch_names)) != len(ch_names):
        dupes = sorted({n for n in ch_names if ch_names.count(n) > 1})
        raise ValueError(f"ch_names must be unique, but {dupes} appear more than once.")
    shafts = _shafts(ch_names, bads)
    rows: list[np.ndarray] = []
    names: list[str] = []

    def row(idx: int, refs: Sequence[int]) -> np.ndarray:
        r = np.zeros(len(ch_names))
        r[idx] += 1.0
        r[list(refs)] -= 1.0 / len(refs)
        return r

    every = [i for contacts in shafts.values() for _, i in contacts]
    for contacts in shafts.values():
        for k, (number, idx) in enumerate(contacts):
            prev_ok = k > 0 and number - contacts[k - 1][0] <= max_gap
            next_ok = k + 1 < len(contacts) and contacts[k + 1][0] - number <= max_gap
            if method == "bipolar":
                if next_ok:
                    rows.append(row(idx, [contacts[k + 1][1]]))
                    names.append(f"{ch_names[idx]}-{ch_names[contacts[k + 1][1]]}")
                continue
            if method == "laplacian":
                refs = ([contacts[k - 1][1]] if prev_ok else []) + (
                    [contacts[k + 1][1]] if next_ok else [])
            elif method == "shaft_car":
                refs = [i for _, i in contacts]
            else:
                refs = every
            if refs:
                rows.append(row(idx, refs))
                names.append(ch_names[idx])
    if not rows:
        raise ValueError(
            f"method={method!r} produced no channel from {len(ch_names)} input channel(s) "
            f"({len(every)} good SEEG contacts): no two good contacts are neighbours on a shaft. "
            f"Check the channel names and bads, pass a larger max_gap, or use method='car'.")
    return np.vstack(rows), names


def rereference(data, ch_names: Sequence[str], method: str = "bipolar", *,
                bads: Iterable[str] = (), max_gap: int = 1) -> tuple[np.ndarray, list[str]]:
    """Re-reference SEEG arrays along their channel axis (the second-to-last).

    Parameters
    ----------
    data : array-like of shape (n_chans, n_times) or (n_windows, n_chans, n_times)
        Signal; never modified.
    ch_names : sequence of str
        One name per channel.
    method, bads, max_gap
        As in :func:`reference_matrix`.

    Returns
    -------
    data_out : ndarray of shape (..., n_chans_out, n_times)
        Re-referenced signal (float64, or float32 for float32 input).
    names_out : list of str
        Output channel names.

    Examples
    --------
    >>> import numpy as np
    >>> from bptlearn.data import rereference
    >>> x = np.arange(12.0).reshape(3, 4) ** 2
    >>> y, names = rereference(x, ["LA1", "LA2", "RHH1"], method="bipolar")
    >>> names, y.shape
    (['LA1-LA2'], (1, 4))
    """
    data = np.asarray(data)
    if data.ndim not in (2, 3):
        raise ValueError(
            f"data must have shape (n_chans, n_times) or (n_windows, n_chans, n_times), got "
            f"shape {data.shape} instead.")
    if data.shape[-2] != len(ch_names):
        raise ValueError(
            f"data has {data.shape[-2]} channels (axis -2) but {len(ch_names)} ch_names were "
            f"given. Pass one name per channel, in the data's order.")
    W, names = reference_matrix(ch_names, method, bads=bads, max_gap=max_gap)
    dtype = np.float32 if data.dtype == np.float32 else np.float64
    return np.matmul(W.astype(dtype), data.astype(dtype, copy=False)), names


def rereference_mne(inst, method: str = "bipolar", *, max_gap: int = 1,
                    picks: str | Sequence[str] = ("seeg", "ecog", "dbs")):
    """Re-reference the SEEG/ECoG/DBS contacts of an MNE Raw or Epochs; return a copy.

    Bad channels (``inst.info['bads']``) are left out. Bipolar derivations use
    :func:`mne.set_bipolar_reference` and get names such as ``'LA1-LA2'``; the other
    methods keep the contact names. Channels of other types are dropped.

    Parameters
    ----------
    inst : mne.io.BaseRaw or mne.BaseEpochs
        Input; not modified.
    method, max_gap
        As in :func:`reference_matrix`.
    picks : str or sequence of str, default=('seeg', 'ecog', 'dbs')
        Channel types to re-reference.

    Returns
    -------
    inst_out : mne.io.BaseRaw or mne.BaseEpochs
        The re-referenced copy, data loaded.

    Examples
    --------
    >>> from bptlearn.data import make_seeg, rereference_mne
    >>> raw = make_seeg(n_patients=1, n_chans=4, duration=60.0, random_state=0)[0].to_raw()
    >>> rereference_mne(raw, "bipolar").ch_names
    ['LOF1-LOF2', 'LOF2-LOF3', 'LOF3-LOF4']
    """
    import mne

    _validate_type(inst, (mne.io.BaseRaw, mne.BaseEpochs), "inst")
    types = [picks] if isinstance(picks, str) else list(picks)
    out = inst.copy().pick(types, exclude="bads").load_data()
    W, names = reference_matrix(out.ch_names, method, max_gap=max_gap)
    return _apply_to_mne(out, W, names, method)


def _apply_to_mne(inst, W: np.ndarray, names_out: list[str], method: str):
    """Apply ``W`` to an MNE object (already a loaded copy whose channels are W's columns)."""
    import mne

    inst.info["bads"] = []
    if method == "bipolar":
        anodes = [inst.ch_names[int(np.flatnonzero(r > 0)[0])] for r in W]
        cathodes = [inst.ch_names[int(np.flatnonzero(r < 0)[0])] for r in W]
        out = mne.set_bipolar_reference(inst, anodes, cathodes, ch_name=names_out, copy=False,
                                        verbose="error")
        return out.pick(names_out)
    keep = [inst.ch_names.index(n) for n in names_out]
    square = np.eye(len(inst.ch_names))
    square[keep] = W
    inst.apply_function(lambda x: np.matmul(square, x), channel_wise=False, verbose="error")
    return inst.pick(names_out)
