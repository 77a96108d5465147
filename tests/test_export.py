"""bptlearn.export: one inference module, ONNX and TorchScript files, equal outputs."""

import warnings

import numpy as np
import onnxruntime
import pytest
import torch
from sklearn.exceptions import NotFittedError

from bptlearn import BPTEncoder, BPTForecaster, BPTImputer, BPTSeizureClassifier
from bptlearn.data import make_seeg_windows
from bptlearn.export import export_onnx, export_program, export_torchscript, inference_module
from bptlearn.nn import BandPowerDFT, BPTModel, band_power
from bptlearn.nn.spectral import LOG_POWER_FLOOR
from bptlearn.weights import save

from .conftest import TINY_OVERRIDES
from .helpers import shared_rhythms

N_CHANS, N_PATCHES = 4, 2


@pytest.fixture(scope="module")
def tiny_weights(tmp_path_factory):
    """A random tiny model saved as a weight file: exports in a few seconds."""
    torch.manual_seed(0)
    model = BPTModel(preset="nano", **TINY_OVERRIDES)
    return save(model, tmp_path_factory.mktemp("weights") / "tiny.safetensors")


@pytest.fixture(scope="module")
def data():
    X, y, y_tokens, _ = make_seeg_windows(n_patients=2, n_windows=3, n_chans=N_CHANS,
                                          n_patches=N_PATCHES, random_state=0)
    X.setflags(write=False)
    return X, y, y_tokens


@pytest.fixture(scope="module")
def encoder(tiny_weights, data):
    return BPTEncoder(weights=tiny_weights, device="cpu").fit(data[0])


@pytest.fixture(scope="module")
def classifier(tiny_weights, data):
    return BPTSeizureClassifier(weights=tiny_weights, max_epochs=2, device="cpu",
                                random_state=0).fit(data[0], data[1])


def patches(X):
    """(n, C, L * 1500) windows at 250 Hz -> the (n, C, L, 1500) tensor the module takes."""
    return torch.from_numpy(np.array(X)).reshape(len(X), X.shape[1], -1, 1500)


def run_module(module, X):
    with torch.no_grad():
        return module(patches(X)).numpy()


@pytest.mark.parametrize("sfreq", [250.0, 256.0])
@pytest.mark.parametrize("amplitude, offset", [(1.0, 0.0), (100.0, 5000.0)])
def test_dft_band_power_equals_band_power(sfreq, amplitude, offset):
    x = torch.randn(3, 2, 1500, generator=torch.Generator().manual_seed(0)) * amplitude + offset
    expected = band_power(x.double(), sfreq).float()
    torch.testing.assert_close(BandPowerDFT(1500, sfreq)(x), expected, atol=1e-5, rtol=0)


@pytest.mark.filterwarnings("ignore::bptlearn.exceptions.InputContractWarning")  # scaling=None
@pytest.mark.parametrize("scaling, pooling, layer", [
    ("auto", "mean+std", "temporal"), ("global", "mean", "spatial"),
    ("window", "channel", "temporal"), (None, "token", "spatial")])
def test_inference_module_equals_encoder_transform(tiny_weights, data, scaling, pooling, layer):
    X = data[0]
    enc = BPTEncoder(weights=tiny_weights, scaling=scaling, pooling=pooling, layer=layer,
                     device="cpu").fit(X)
    out = run_module(inference_module(enc), X)
    np.testing.assert_allclose(out, enc.transform(X), atol=1e-5, rtol=0)


def test_dft_log_band_power_equals_the_true_log_band_power():
    x = torch.randn(3, 2, 1500, generator=torch.Generator().manual_seed(0))
    expected = band_power(x.double(), 250.0, offset=LOG_POWER_FLOOR).float()
    got = BandPowerDFT(1500, 250.0, offset=LOG_POWER_FLOOR)(x)
    torch.testing.assert_close(got, expected, atol=1e-4, rtol=0)


def test_inference_module_applies_the_encoder_s_compression_and_log_extras(tiny_weights, data):
    X = data[0]
    enc = BPTEncoder(weights=tiny_weights, pooling="mean", n_components=3,
                     extra_features=("log_amplitude", "log_band_power"), device="cpu").fit(X)
    out = run_module(inference_module(enc), X)
    assert out.shape == (len(X), 3 + 9)
    np.testing.assert_allclose(out, enc.transform(X), atol=1e-4, rtol=0)


def test_inference_module_applies_the_fitted_channel_scaling(encoder, data):
    X = data[0]
    assert encoder.scaling_ == "channel"
    scaled = inference_module(encoder).scaling(patches(X))[0]
    expected = (X.reshape(len(X), N_CHANS, N_PATCHES, 1500) - encoder.center_[:, None, None]) \
        / encoder.scale_[:, None, None]
    np.testing.assert_allclose(scaled.numpy(), expected, atol=1e-5)


def test_inference_module_leaves_input_and_estimator_untouched(encoder, data):
    x = patches(data[0])
    before_x, before_out = x.clone(), encoder.transform(data[0])
    module = inference_module(encoder)
    with torch.no_grad():
        module(x)
        for p in module.parameters():
            p.add_(1.0)
    torch.testing.assert_close(x, before_x, atol=0, rtol=0)
    np.testing.assert_array_equal(encoder.transform(data[0]), before_out)


def test_inference_module_gives_the_logits_behind_predict_proba(classifier, data):
    logits = run_module(inference_module(classifier), data[0])
    proba = torch.softmax(torch.from_numpy(logits), dim=-1).numpy()
    assert logits.shape == (len(data[0]), 2)
    np.testing.assert_allclose(proba, classifier.predict_proba(data[0]), atol=1e-5)


def test_inference_module_gives_token_logits_of_a_token_classifier(tiny_weights, data):
    X, _, y_tokens = data
    clf = BPTSeizureClassifier(weights=tiny_weights, finetune="full", max_epochs=1,
                               device="cpu", random_state=0).fit(X, y_tokens)
    logits = run_module(inference_module(clf), X)
    assert logits.shape == (len(X), N_CHANS, N_PATCHES, 2)
    proba = torch.softmax(torch.from_numpy(logits), dim=-1).numpy()
    np.testing.assert_allclose(proba, clf.predict_proba(X), atol=1e-5)


@pytest.mark.parametrize("target", ["signal", "freq_phase"])
def test_inference_module_equals_forecaster_outputs(tiny_weights, data, target):
    X = shared_rhythms(n_chans=N_CHANS) if target == "signal" else data[0]
    history, future = X[..., :1500], X[..., 1500:]
    fc = BPTForecaster(weights=tiny_weights, horizon=1, target=target, max_epochs=1,
                       device="cpu", random_state=0).fit(history, future)
    out = run_module(inference_module(fc), history)
    if target == "signal":
        assert fc.baseline_name_ == "AR (BIC order)"
        np.testing.assert_allclose(out, fc.predict(history), atol=1e-4, rtol=1e-5)
    else:  # the network's own frequency and phase: predict at full weight on them
        fc.shrinkage_ = {"frequency": 1.0, "phase": 1.0}
        np.testing.assert_allclose(out[..., 0], fc.predict_frequency(history), atol=1e-4)
        # a phase is the angle of a 2-vector: float32 rounding that differs between batch
        # layouts moves it by up to ~2e-4 rad where that vector is short
        gap = np.angle(np.exp(1j * (out[..., 1:] - fc.predict(history))))
        assert np.abs(gap).max() < 1e-3 and np.median(np.abs(gap)) < 1e-5


def test_inference_module_refuses_a_forecaster_whose_ar_is_fitted_on_each_history(
        tiny_weights, data):
    """On 6 short simulated windows the AR fitted on each history is forecast alone:
    there is no fixed module to export, and the error says so."""
    history, future = data[0][..., :1500], data[0][..., 1500:]
    fc = BPTForecaster(weights=tiny_weights, horizon=1, max_epochs=1, device="cpu",
                       random_state=0).fit(history, future)
    assert fc.baseline_name_ == "AR on each history" and not fc.shrinkage_.any()
    with pytest.raises(ValueError, match="'AR on each history' alone.*use predict"):
        inference_module(fc)


def test_inference_module_refuses_an_imputer_and_an_unfitted_estimator(data):
    with pytest.raises(TypeError, match="estimator must be an instance of BPTEncoder"):
        inference_module(BPTImputer(weights=None))
    with pytest.raises(NotFittedError):
        inference_module(BPTEncoder(weights=None))


def onnx_outputs(path, X):
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    assert [i.name for i in session.get_inputs()] == ["patches"]
    return session.run(None, {"patches": patches(X).numpy()})[0]


def test_onnx_encoder_equals_pytorch_for_any_batch_size(encoder, data, tmp_path):
    path = export_onnx(encoder, tmp_path / "encoder.onnx")
    expected = run_module(inference_module(encoder), data[0])
    for batch in (1, 5):  # the example traced had 2 windows
        np.testing.assert_allclose(onnx_outputs(path, data[0][:batch]), expected[:batch],
                                   atol=1e-4, rtol=0)


def test_onnx_seizure_classifier_equals_pytorch(classifier, data, tmp_path):
    path = export_onnx(classifier, tmp_path / "seizure.onnx")
    expected = run_module(inference_module(classifier), data[0])
    np.testing.assert_allclose(onnx_outputs(path, data[0]), expected, atol=1e-4, rtol=0)


@pytest.mark.parametrize("name", ["encoder", "classifier"])
def test_torchscript_equals_pytorch_for_any_batch_size(request, data, tmp_path, name):
    estimator = request.getfixturevalue(name)
    path = export_torchscript(estimator, tmp_path / f"{name}.pt")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # torch.jit is deprecated
        loaded = torch.jit.load(str(path))
    expected = run_module(inference_module(estimator), data[0])
    for batch in (1, 5):
        np.testing.assert_allclose(run_module(loaded, data[0][:batch]), expected[:batch],
                                   atol=1e-5, rtol=0)


def test_export_refuses_an_int8_encoder(tiny_weights, data, tmp_path):
    enc = BPTEncoder(weights=tiny_weights, precision="int8", device="cpu").fit(data[0])
    with pytest.raises(ValueError, match="int8-quantised model .* does not export"):
        export_torchscript(enc, tmp_path / "int8.pt")
    assert not (tmp_path / "int8.pt").exists()


def test_export_refuses_more_patches_than_the_model_holds(encoder, tmp_path):
    with pytest.raises(ValueError, match=r"n_patches in 1\.\.15; got n_chans=4, n_patches=16"):
        export_torchscript(encoder, tmp_path / "e.pt", n_patches=16)


def test_export_refuses_other_channels_under_per_channel_scaling(encoder, tmp_path):
    with pytest.raises(ValueError, match="n_chans=6, but this BPTEncoder scales each of its 4"):
        export_onnx(encoder, tmp_path / "e.onnx", n_chans=6)


@pytest.mark.parametrize("name", ["encoder", "classifier"])
def test_export_program_equals_pytorch_for_any_batch_size(request, data, tmp_path, name):
    estimator = request.getfixturevalue(name)
    path = export_program(estimator, tmp_path / f"{name}.pt2")
    assert path.suffix == ".pt2" and not list(tmp_path.glob("*.tmp"))
    loaded = torch.export.load(str(path)).module()
    expected = run_module(inference_module(estimator), data[0])
    for batch in (1, 5):  # the example exported had 2 windows
        np.testing.assert_allclose(run_module(loaded, data[0][:batch]), expected[:batch],
                                   atol=1e-5, rtol=0)


def test_export_program_refuses_an_int8_encoder(tiny_weights, data, tmp_path):
    enc = BPTEncoder(weights=tiny_weights, precision="int8", device="cpu").fit(data[0])
    with pytest.raises(ValueError, match="int8-quantised model .* does not export"):
        export_program(enc, tmp_path / "int8.pt2")
    assert not (tmp_path / "int8.pt2").exists()
