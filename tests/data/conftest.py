"""Fixtures for the data-layer tests: small synthetic recordings, built once per module."""

import numpy as np
import pytest

from bptlearn.data import make_seeg


@pytest.fixture(scope="module")
def recording():
    """One 8-channel, 120-s synthetic recording at 250 Hz with one seizure."""
    return make_seeg(n_patients=1, n_chans=8, duration=120.0, seizure_duration=(20.0, 30.0),
                     random_state=42)[0]


@pytest.fixture(scope="module")
def raw(recording):
    """The recording as an MNE RawArray (volts, 'seeg', channel-specific annotations)."""
    return recording.to_raw()


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def write_edf(path, data_uv, sfreq, ch_names):
    """Write a minimal EDF file (16-bit, 1-s records) so the EDF reader can be tested
    without an exporter package."""
    n_chans, n_times = data_uv.shape
    spr = int(sfreq)
    n_rec = n_times // spr
    pmin, pmax = -3200.0, 3200.0
    digital = np.round(np.clip(data_uv[:, :n_rec * spr], pmin, pmax) / pmax * 32767).astype("<i2")

    def field(value, width):
        return str(value).ljust(width)[:width].encode("ascii")

    head = (field("0", 8) + field("X X X X", 80) + field("Startdate X X X X", 80)
            + field("01.01.20", 8) + field("00.00.00", 8) + field(256 * (n_chans + 1), 8)
            + field("", 44) + field(n_rec, 8) + field(1, 8) + field(n_chans, 4))
    columns = [(16, ch_names), (80, [""] * n_chans), (8, ["uV"] * n_chans),
               (8, [pmin] * n_chans), (8, [pmax] * n_chans), (8, [-32767] * n_chans),
               (8, [32767] * n_chans), (80, [""] * n_chans), (8, [spr] * n_chans),
               (32, [""] * n_chans)]
    for width, values in columns:
        head += b"".join(field(v, width) for v in values)
    records = digital.reshape(n_chans, n_rec, spr).transpose(1, 0, 2)
    with open(path, "wb") as f:
        f.write(head)
        f.write(records.tobytes())
    return digital.astype(float) / 32767 * pmax


def write_brainvision(vhdr, data_uv, sfreq, ch_names):
    """Write a minimal BrainVision triplet (float32, multiplexed) for reader tests."""
    stem = vhdr.with_suffix("")
    eeg, vmrk = stem.with_suffix(".eeg"), stem.with_suffix(".vmrk")
    channels = "\n".join(f"Ch{i + 1}={n},,1,µV" for i, n in enumerate(ch_names))
    vhdr.write_text(
        "Brain Vision Data Exchange Header File Version 1.0\n\n[Common Infos]\nCodepage=UTF-8\n"
        f"DataFile={eeg.name}\nMarkerFile={vmrk.name}\nDataFormat=BINARY\n"
        f"DataOrientation=MULTIPLEXED\nNumberOfChannels={len(ch_names)}\n"
        f"SamplingInterval={1e6 / sfreq:g}\n\n[Binary Infos]\nBinaryFormat=IEEE_FLOAT_32\n\n"
        f"[Channel Infos]\n{channels}\n", encoding="utf-8")
    vmrk.write_text(
        "Brain Vision Data Exchange Marker File, Version 1.0\n\n[Common Infos]\n"
        f"Codepage=UTF-8\nDataFile={eeg.name}\n\n[Marker Infos]\nMk1=New Segment,,1,1,0\n",
        encoding="utf-8")
    data_uv.T.astype("<f4").tofile(eeg)
