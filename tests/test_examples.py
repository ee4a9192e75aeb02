"""The examples run, write readable figures and find what they say they find.

Each example's ``main`` runs in-process with small settings into ``tmp_path``; one test per
script also runs it as a learner does (``python examples/NAME.py``) in a subprocess with no
display. The line fit is compared number for number with the learner's hand-derived loop.
"""

from __future__ import annotations

import doctest
import importlib
import itertools
import math
import os
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
# The scripts import each other as siblings (python puts a script's folder on sys.path).
if str(EXAMPLES) not in sys.path:
    sys.path.insert(0, str(EXAMPLES))

common = importlib.import_module("_common")
convex_descent = importlib.import_module("convex_descent")
line_fit = importlib.import_module("line_fit")
loss_landscape = importlib.import_module("loss_landscape")
outliers = importlib.import_module("outliers")
learning_rate = importlib.import_module("learning_rate")
newton = importlib.import_module("newton")
compiled_line_fit = importlib.import_module("compiled_line_fit")
classifier = importlib.import_module("classifier")

ALL_EXAMPLES = sorted(p.stem for p in EXAMPLES.glob("*.py") if not p.stem.startswith("_"))


def assert_figure(path: Path) -> None:
    """A PNG of the size and DPI `_common.FIGURES` gives it, not blank.

    Size: `FIGURE_WIDTH` × the figure's height, in inches, at `DPI` (the docs show it scaled to
    their ~690 px column, where text of `MIN_FONT_PT` is body-text size).
    """
    import matplotlib.image
    from PIL import Image

    assert path.is_file(), f"{path} was not written"
    with Image.open(path) as png:
        size, dpi = png.size, png.info.get("dpi")
    expected = (
        round(common.FIGURE_WIDTH * common.DPI),
        round(common.figure_height(path.stem) * common.DPI),
    )
    assert size == expected, f"{path.name}: {size} pixels, expected {expected}"
    assert dpi is not None and [round(d) for d in dpi] == [common.DPI] * 2, f"{path.name}: {dpi}"
    image = matplotlib.image.imread(path)
    # Mostly white background, but a real share of drawn (non-white) pixels.
    drawn = np.mean(image[..., :3].min(axis=-1) < 0.9)
    assert 0.01 < drawn < 0.9, f"{path}: {drawn:.1%} of the pixels are drawn"


def seed_loop(x: np.ndarray, y_star: np.ndarray, lr: float, epochs: int) -> tuple[list, list]:
    """The learner's notes' loop, derivatives by hand, written as the notes wrote it."""
    a, b = -2, -1
    a_vals, b_vals = [a], [b]
    for _ in range(epochs):
        for x_sample, y in zip(x, y_star, strict=True):
            y_pred = a * x_sample + b
            dloss_da = 2 * x_sample * (y_pred - y)
            dloss_db = 2 * (y_pred - y)
            a = a - lr * dloss_da
            b = b - lr * dloss_db
            a_vals.append(a)
            b_vals.append(b)
    return a_vals, b_vals


# --- convex descent ---------------------------------------------------------------------------


def test_convex_descent_reaches_the_minimum_with_mg_grad(tmp_path, capsys):
    result = convex_descent.main(["--out", str(tmp_path)])
    assert result.converged

    assert abs(result.x - 1.0) < 1e-6
    assert len(result.descent.xs) == 101  # the start and 100 updates
    assert result.descent.diverged_at is None
    for x, hand, auto in result.derivative_table:
        assert auto == pytest.approx(hand, abs=1e-15), f"f'({x})"
    assert [p.name for p in result.figures] == ["convex_descent.png"]
    assert_figure(result.figures[0])
    out = capsys.readouterr().out
    assert "Final x = 1.0000000" in out
    assert "(x − 1)/5" in out and "mg.grad(f)(x)" in out


def test_convex_descent_matches_the_notes_update_step_by_step():
    descent = convex_descent.descend(10.0, 1.0, 100)
    x, expected = 10.0, [10.0]
    for _ in range(100):
        x = x - convex_descent.hand_df(x)
        expected.append(x)
    assert np.max(np.abs(np.array(descent.xs) - expected)) <= 1e-12


def test_convex_descent_stops_and_says_so_when_lr_is_too_large(tmp_path, capsys):
    result = convex_descent.main(["--out", str(tmp_path), "--lr", "12"])

    assert result.descent.diverged_at is not None
    assert common.diverged(result.x)
    assert all(np.isfinite(result.descent.xs))
    assert f"Diverged at step {result.descent.diverged_at}" in capsys.readouterr().out


# --- line fit -------------------------------------------------------------------------------


def test_line_fit_full_settings_is_the_notes_loop_and_the_least_squares_line(tmp_path, capsys):
    # The README's command with its defaults: 1000 epochs of per-sample SGD, lr = 0.001.
    result = line_fit.main(["--out", str(tmp_path)])
    fit = result.fit

    assert (fit.lr, fit.batch, fit.steps) == (0.001, "sample", 100_000)
    x, y = common.make_dataset(seed=0)
    a_lstsq, b_lstsq = np.polyfit(x, y, 1)
    assert abs(fit.a - a_lstsq) < 0.05 and abs(fit.b - b_lstsq) < 0.05
    assert result.gap == max(abs(fit.a - result.a_lstsq), abs(fit.b - result.b_lstsq))

    a_vals, b_vals = seed_loop(x, y, lr=0.001, epochs=1000)
    assert np.max(np.abs(np.array(fit.a_path) - a_vals)) <= 1e-12
    assert np.max(np.abs(np.array(fit.b_path) - b_vals)) <= 1e-12

    assert [p.name for p in result.figures] == [
        "line_fit_params.png",
        "line_fit_lines.png",
        "line_fit_loss.png",
    ]
    for path in result.figures:
        assert_figure(path)
    out = capsys.readouterr().out
    assert f"Final (SGD):    a = {fit.a:+.6f}, b = {fit.b:+.6f}" in out
    assert "Least squares:" in out and "Gap:" in out


def test_full_batch_uses_its_larger_default_lr_and_reaches_least_squares(tmp_path):
    result = line_fit.main(["--out", str(tmp_path), "--batch", "full", "--epochs", "150"])

    assert result.fit.lr == line_fit.DEFAULT_LR["full"] == 0.1
    assert result.fit.steps == 150
    # Full-batch descent contracts by about (1 − 2·lr) per step: 0.8¹⁵⁰ ≈ 3e-15.
    assert result.gap < 1e-9
    for path in result.figures:
        assert_figure(path)


def test_help_says_full_batch_has_a_larger_default_lr(capsys):
    with pytest.raises(SystemExit):
        line_fit.parse_args(["--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "0.001 per sample" in text and "0.1 for --batch full" in text


def test_full_batch_step_is_the_mean_of_the_per_sample_gradients():
    x, y = common.make_dataset(seed=3)
    fit = line_fit.fit(x, y, lr=0.1, epochs=1, batch="full")
    residual = -2 * x + -1 - y
    expected_a = -2 - 0.1 * np.mean(2 * x * residual)
    expected_b = -1 - 0.1 * np.mean(2 * residual)
    assert fit.a == pytest.approx(expected_a, abs=1e-12)
    assert fit.b == pytest.approx(expected_b, abs=1e-12)


@pytest.mark.parametrize("batch", ["sample", "full"])
def test_momentum_still_finds_the_line(batch):
    x, y = common.make_dataset(seed=1)
    plain = line_fit.fit(x, y, lr=line_fit.DEFAULT_LR[batch], epochs=40, batch=batch)
    heavy = line_fit.fit(x, y, lr=line_fit.DEFAULT_LR[batch], epochs=40, batch=batch, momentum=0.5)
    a_lstsq, b_lstsq = common.least_squares(x, y)
    assert heavy.a != plain.a  # momentum changes the path...
    assert abs(heavy.a - a_lstsq) < 0.01 and abs(heavy.b - b_lstsq) < 0.01  # ...not the answer


def test_line_fit_reports_divergence_in_words(tmp_path, capsys):
    result = line_fit.main(["--out", str(tmp_path), "--lr", "1", "--epochs", "3"])

    assert result.fit.diverged_at is not None and result.fit.steps == result.fit.diverged_at
    assert f"Diverged at update {result.fit.diverged_at}" in capsys.readouterr().out


def test_make_dataset_is_the_notes_recipe_and_deterministic():
    x, y = common.make_dataset(seed=7)
    rng = np.random.default_rng(7)
    expected_x = rng.normal(0, 1, 100)
    expected_y = 2 * expected_x + 1 + 0.3 * rng.normal(0, 1, 100)
    np.testing.assert_array_equal(x, expected_x)
    np.testing.assert_array_equal(y, expected_y)
    again = common.make_dataset(seed=7)
    np.testing.assert_array_equal(again[1], y)
    assert not np.array_equal(common.make_dataset(seed=8)[0], x)


def test_fit_rejects_bad_input():
    with pytest.raises(ValueError, match="batch must be"):
        line_fit.fit([1.0], [1.0], lr=0.1, epochs=1, batch="mini")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="equally long"):
        line_fit.fit([1.0, 2.0], [1.0], lr=0.1, epochs=1)


def test_command_line_rejects_a_non_positive_lr(capsys):
    with pytest.raises(SystemExit):
        line_fit.parse_args(["--lr", "0"])
    assert "must be a positive number" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        line_fit.parse_args(["--momentum", "1.5"])
    assert "must be in [0, 1)" in capsys.readouterr().err


# --- loss landscape -------------------------------------------------------------------------


def test_loss_landscape_paths_walk_down_the_bowl(tmp_path, capsys):
    result = loss_landscape.main(["--out", str(tmp_path), "--epochs", "40"])
    x, y = common.make_dataset(seed=0)

    assert (result.sample.steps, result.full.steps) == (4000, 40)
    assert result.j_min == pytest.approx(np.mean((np.polyval(np.polyfit(x, y, 1), x) - y) ** 2))
    for end in (result.j_sample, result.j_full):
        assert 0 <= end - result.j_min < 1e-5
    # Full-batch descent with a stable lr goes downhill at every step.
    j_path = loss_landscape.mean_squared_error(
        np.array(result.full.a_path), np.array(result.full.b_path), x, y
    )
    assert np.all(np.diff(j_path) < 0)
    assert [p.name for p in result.figures] == ["loss_landscape.png"]
    assert_figure(result.figures[0])
    assert "per-sample" in capsys.readouterr().out


def test_mean_squared_error_on_a_grid():
    x, y = np.array([0.0, 1.0, 2.0]), np.array([1.0, 2.0, 5.0])
    a, b = np.meshgrid([0.0, 2.0], [1.0, -1.0])
    j = loss_landscape.mean_squared_error(a, b, x, y)
    expected = [[np.mean((ai * x + bi - y) ** 2) for ai in (0.0, 2.0)] for bi in (1.0, -1.0)]
    np.testing.assert_allclose(j, expected)


# --- outliers -------------------------------------------------------------------------------


def test_outliers_pull_the_squared_error_but_not_l1_or_huber(tmp_path, capsys):
    result = outliers.main(["--out", str(tmp_path)])
    mse, l1, huber = (result.fits[name] for name in ("mse_loss", "l1_loss", "huber_loss"))

    assert len(result.outliers) == 5
    # Descent on the mean squared error ends on the least-squares line of the corrupted data...
    assert abs(mse.a - result.a_lstsq) < 1e-4 and abs(mse.b - result.b_lstsq) < 1e-4
    # ...which the five points drag far from the true slope 2; l1 and huber stay near it.
    assert abs(mse.a - 2) > 0.5
    assert abs(l1.a - 2) < 0.1 and abs(l1.b - 1) < 0.1
    assert abs(huber.a - 2) < 0.2 and abs(huber.b - 1) < 0.2
    assert abs(l1.a - 2) < abs(huber.a - 2) < abs(mse.a - 2)
    assert [p.name for p in result.figures] == ["outliers.png", "outliers_losses.png"]
    for path in result.figures:
        assert_figure(path)
    out = capsys.readouterr().out
    for name, run in result.fits.items():
        assert f"{name:<11} a = {run.a:+.4f}, b = {run.b:+.4f}" in out


def test_without_outliers_all_three_losses_find_the_true_line(tmp_path):
    result = outliers.main(["--out", str(tmp_path), "--outliers", "0", "--epochs", "200"])
    for run in result.fits.values():
        assert abs(run.a - 2) < 0.1 and abs(run.b - 1) < 0.1


# --- learning rate --------------------------------------------------------------------------


def test_learning_rate_sweep_reports_the_divergent_runs_in_words(tmp_path, capsys):
    result = learning_rate.main(["--out", str(tmp_path), "--epochs", "10"])

    for runs in (result.convex, result.line):
        assert [run.role.split(",")[0] for run in runs] == [
            "too small",
            "good",
            "borderline",
            "divergent",
        ]
        *stable, divergent = runs
        assert divergent.diverged_at is not None
        assert all(run.diverged_at is None for run in stable)
        assert all(np.isfinite(run.path).all() for run in runs)
    too_small, good, borderline, _ = result.convex
    assert abs(good.path[-1] - 1) < 1e-6
    assert too_small.distance[-1] > 1  # still creeping after 100 steps
    signs = np.sign(np.array(borderline.path) - 1)
    assert np.all(signs[1:] == -signs[:-1])  # lr = 9.5 overshoots x* = 1 at every step
    out = capsys.readouterr().out
    assert out.count("diverged at step") == 2
    assert "Traceback" not in out and "Overflow" not in out
    assert [p.name for p in result.figures] == ["learning_rate.png"]
    assert_figure(result.figures[0])


# --- newton ---------------------------------------------------------------------------------


def test_newton_against_gradient_descent_on_three_functions(tmp_path, capsys):
    result = newton.main(["--out", str(tmp_path)])
    tol = result.tol

    assert tol == 1e-6
    # The notes' quadratic: Newton in one step; descent shrinks the distance 9 by 0.8 per step.
    notes = result.notes
    assert notes.newton.converged_at == 1 and notes.newton.end[0] == pytest.approx(1, abs=1e-15)
    assert notes.descent.converged_at == min(k for k in range(200) if 9 * 0.8**k <= tol) == 72
    # g: Newton's step is x − sinh x, a few steps from x = 2; descent needs many more.
    g = result.g
    xs = [p[0] for p in g.newton.points]
    for x, x_next in itertools.pairwise(xs):
        assert x_next == pytest.approx(x - math.sinh(x), rel=1e-9, abs=1e-15)
    assert g.newton.converged_at == 5 and g.descent.converged_at == 52
    # Rosenbrock: both reach (1, 1); Newton in a handful of steps, descent in tens of thousands.
    ros = result.rosenbrock
    for run in (ros.descent, ros.newton):
        assert run.converged_at is not None and run.stopped is None
        assert math.dist(run.end, (1.0, 1.0)) <= tol
        assert all(d > tol for d in run.distances[:-1])  # the count is the first step within
    assert ros.newton.converged_at <= 10
    assert ros.descent.converged_at > 1000 * ros.newton.converged_at

    assert [p.name for p in result.figures] == ["newton_1d.png", "newton_rosenbrock.png"]
    for path in result.figures:
        assert_figure(path)
    out = capsys.readouterr().out
    assert "x1 = 10 − 1.8/0.2 = 1.0" in out
    assert "Iterations to get within 1e-06 of the minimum:" in out
    for c in (notes, g, ros):
        row = next(line for line in out.splitlines() if line.startswith(f"  {c.name} "))
        assert row.split()[-1] == str(c.newton.converged_at)
        assert f"{c.descent.converged_at:,} (lr = {c.lr:g})" in row


@pytest.mark.parametrize("x0", [10.0, -3.7, 1e6, 1.0 + 1e-9, 0.123, -250.5])
def test_newton_solves_the_notes_quadratic_in_one_step_from_anywhere(x0):
    d2f = newton.mg.grad(newton.mg.grad(newton.f))
    assert d2f(x0) == pytest.approx(0.2, abs=1e-15)  # f'' is the same everywhere
    run = newton.run(
        "Newton", newton.newton_step_1d(newton.f), (x0,), (1.0,), tol=1e-9, max_iterations=5
    )
    assert run.converged_at == 1
    # One step lands on 1 up to the rounding of x0 − f'(x0)/f''(x0).
    assert abs(run.points[1][0] - 1) <= 4 * np.finfo(float).eps * max(1.0, abs(x0))
    # Gradient descent with the notes' lr = 1 only shrinks the distance by 0.8.
    (x1,) = newton.descent_step(newton.f, 1.0)((x0,))
    assert x1 - 1 == pytest.approx(0.8 * (x0 - 1), rel=1e-12, abs=1e-15)


def test_newton_on_g_converges_inside_the_radius_and_diverges_outside():
    assert math.sinh(newton.G_NEWTON_RADIUS) == pytest.approx(2 * newton.G_NEWTON_RADIUS)
    step = newton.newton_step_1d(newton.g)
    for x0, converges in ((2.1, True), (-2.1, True), (2.25, False), (3.0, False)):
        run = newton.run("Newton", step, (x0,), (0.0,), tol=1e-6, max_iterations=50)
        assert (run.converged_at is not None) is converges, (x0, run.stopped)
    far = newton.run("Newton", step, (3.0,), (0.0,), tol=1e-6, max_iterations=50)
    assert [round(p[0], 3) for p in far.points] == [3.0, -7.018, 551.187]
    assert far.stopped is not None and far.stopped.startswith("diverged at step 2")


def test_hessian_from_nested_grad_is_rosenbrocks():
    hessian = newton.hessian(newton.rosenbrock)
    for a, b in [(-1.2, 1.0), (1.0, 1.0), (0.5, -2.0), (2.0, 3.0)]:
        expected = ((2 - 400 * (b - a**2) + 800 * a**2, -400 * a), (-400 * a, 200.0))
        assert np.allclose(hessian(a, b), expected, rtol=1e-12, atol=1e-9), (a, b)


def test_hessian_matches_mg_hessian():
    if not hasattr(newton.mg, "hessian"):
        pytest.skip("mg.hessian is not in this build")
    for a, b in [(-1.2, 1.0), (0.5, -2.0)]:
        ours = newton.hessian(newton.rosenbrock)(a, b)
        theirs = newton.mg.hessian(newton.rosenbrock, argnums=(0, 1))(a, b)
        assert np.allclose(ours, theirs, rtol=1e-12, atol=1e-9)


def test_newton_step_solves_the_2x2_system():
    # A quadratic in two variables: one Newton step lands on its minimum, from anywhere.
    def bowl(a, b):
        return (a - 3) ** 2 + a * b + b**2  # minimum where 2(a − 3) + b = 0 = a + 2b: (4, −2)

    for start in [(0.0, 0.0), (-7.5, 12.0)]:
        assert newton.newton_step_2d(bowl)(start) == pytest.approx((4.0, -2.0), abs=1e-12)


def test_newton_stops_where_the_model_has_no_minimum():
    # cos has f'' < 0 near 0: Newton's step would head for the maximum at 0.
    run = newton.run(
        "Newton", newton.newton_step_1d(newton.mg.cos), (0.5,), (0.0,), tol=1e-6, max_iterations=5
    )
    assert run.converged_at is None and "no minimum" in (run.stopped or "")
    # A saddle: the Hessian of a² − b² is not positive definite.
    run = newton.run(
        "Newton",
        newton.newton_step_2d(lambda a, b: a**2 - b**2),
        (1.0, 1.0),
        (0.0, 0.0),
        tol=1e-6,
        max_iterations=5,
    )
    assert run.converged_at is None and "not positive definite" in (run.stopped or "")


# --- as a learner runs them -----------------------------------------------------------------

SMALL = {
    "backprop_graph": [],
    "classifier": ["--quick", "--quiet"],
    "compiled_line_fit": ["--epochs", "3"],
    "convex_descent": ["--iterations", "30"],
    "line_fit": ["--epochs", "20"],
    "loss_landscape": ["--epochs", "10"],
    "outliers": ["--epochs", "50"],
    "learning_rate": ["--epochs", "2", "--iterations", "40"],
    "moons_classifier": ["--points", "12", "--epochs", "2", "--hidden", "4", "--quiet"],
    "newton": ["--max-iterations", "500"],
}


def run_script(name: str, out: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run examples/NAME.py as a learner does, headless (no display, no MPLBACKEND)."""
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "MPLBACKEND")}
    return subprocess.run(
        [sys.executable, str(EXAMPLES / f"{name}.py"), "--out", str(out), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def test_every_example_is_run_and_has_its_figures_listed():
    assert sorted(SMALL) == ALL_EXAMPLES
    assert sorted(common.FIGURES) == ALL_EXAMPLES


def test_text_is_body_size_in_the_docs_column():
    # A font of s points on a figure W inches wide, shown W·DPI px → 690 px, is s·690/(72·W) px.
    scale = common.DOCS_COLUMN_PX / (72 * common.FIGURE_WIDTH)
    assert common.MIN_FONT_PT * scale == pytest.approx(common.BODY_TEXT_PX)
    assert common.FONT_PT * scale >= common.BODY_TEXT_PX
    style = common.figure_style_rc()
    sizes = [v for k, v in style.items() if k.endswith("size") and not isinstance(v, str)]
    assert sizes and min(sizes) >= common.MIN_FONT_PT


def test_layout_problems_finds_small_clipped_and_overlapping_text():
    plt = common.pyplot(show=False)
    with common.figure_style():
        fig, ax = plt.subplots(figsize=(common.FIGURE_WIDTH, 3), layout="none")
        assert common.layout_problems(fig) == []
        ax.text(0.5, 0.5, "tiny", fontsize=8)
        ax.text(0.5, 0.5, "on top", fontsize=12)
        ax.annotate("cut off", xy=(0.5, 0.5), xytext=(2000, 0), textcoords="offset points")
        problems = common.layout_problems(fig)
        plt.close(fig)
    assert any("'tiny' is 8 pt" in p for p in problems)
    assert any("'tiny' overlaps 'on top'" in p for p in problems)
    assert any("'cut off' reaches outside the figure" in p for p in problems)


def test_backprop_graph_text_is_body_size_in_the_docs_column(tmp_path, monkeypatch):
    # mg.draw_graph's figures are not FIGURE_WIDTH wide: they are drawn at GRAPH_DPI and the
    # docs show them at their own pixel size, shrunk only if wider than the column. A font of
    # s points then shows at s·GRAPH_DPI/72 px, times DOCS_COLUMN_PX / width when shrunk.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    saved = []
    save = Figure.savefig

    def spy(fig, *args, **kwargs):
        saved.append(fig)
        return save(fig, *args, **kwargs)

    monkeypatch.setattr(Figure, "savefig", spy)
    importlib.import_module("backprop_graph").main(["--out", str(tmp_path)])
    assert len(saved) == len(common.FIGURES["backprop_graph"])
    for fig in saved:
        if not isinstance(fig.canvas, FigureCanvasAgg):
            FigureCanvasAgg(fig)
        width_px = fig.get_figwidth() * common.GRAPH_DPI
        shrink = min(1.0, common.DOCS_COLUMN_PX / width_px)
        texts = [t for ax in fig.axes for t in ax.texts]
        assert len(texts) > 10
        smallest = min(t.get_fontsize() for t in texts)
        assert smallest * common.GRAPH_DPI / 72 * shrink >= common.BODY_TEXT_PX
        # Clipped or overlapping text; the font sizes layout_problems checks assume
        # FIGURE_WIDTH, which these figures are not (checked above instead).
        problems = [
            p for p in common.layout_problems(fig) if not re.search(r" is [\d.]+ pt \(< ", p)
        ]
        assert problems == []


@pytest.mark.parametrize("name", sorted(SMALL))
def test_script_runs_headless_and_writes_the_figures_the_docs_expect(name, tmp_path):
    completed = run_script(name, tmp_path, *SMALL[name])
    assert completed.returncode == 0, completed.stderr
    assert completed.stderr == ""  # no traceback, no warning (layout_problems included)
    written = sorted(p.stem for p in tmp_path.glob("*.png"))
    assert written == sorted(common.FIGURES[name])
    for stem in written:
        path = tmp_path / f"{stem}.png"
        if common.FIGURES[name][stem] is None:  # mg.draw_graph's own size
            from PIL import Image

            with Image.open(path) as png:
                assert [round(d) for d in png.info["dpi"]] == [common.GRAPH_DPI] * 2
        else:
            assert_figure(path)


def test_a_run_that_does_not_converge_says_so_and_exits_1(tmp_path):
    # lr = 0.5 for 5 epochs ends at a = −18: the loss grows, but never past the blow-up limit.
    completed = run_script("line_fit", tmp_path, "--lr", "0.5", "--epochs", "5")
    assert completed.returncode == 1
    assert completed.stderr == "warning: line_fit did not converge with lr = 0.5 (exit status 1)\n"
    assert "Did not converge: the mean squared error grew from" in completed.stdout


@pytest.mark.parametrize(
    ("module", "args"),
    [
        (line_fit, ["--lr", "1", "--epochs", "3"]),  # blows up
        (convex_descent, ["--lr", "10"]),  # bounces between 10 and −8 for ever
        (compiled_line_fit, ["--lr", "0.5", "--epochs", "5"]),
    ],
    ids=lambda v: getattr(v, "__name__", " ".join(v) if isinstance(v, list) else v),
)
def test_every_kind_of_non_convergence_warns(module, args, tmp_path, capsys):
    result = module.main(["--out", str(tmp_path), *args])
    assert not result.converged
    assert common.exit_status(result.converged) == 1
    err = capsys.readouterr().err
    assert err.startswith("warning: ") and "did not converge" in err


@pytest.mark.parametrize("name", ALL_EXAMPLES)
def test_help_shows_every_default_the_same_way(name, capsys):
    module = importlib.import_module(name)
    with pytest.raises(SystemExit):
        module.main(["--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "--out OUT directory for the figures (PNG) (default: outputs)" in text
    assert text.count("(default: ") >= 2
    # Only options that do something: no --seed where nothing is random.
    assert ("--seed" in text) is (name not in ("convex_descent", "newton"))


def test_compiled_line_fit_uses_line_fits_data_and_agrees_to_the_bit(tmp_path, capsys):
    result = compiled_line_fit.main(["--out", str(tmp_path), "--epochs", "30"])
    x, y = common.make_dataset(seed=0)
    a_vals, b_vals = seed_loop(x.tolist(), y.tolist(), lr=0.001, epochs=30)
    assert result.by_hand == (a_vals[-1], b_vals[-1])  # the notes' loop on line_fit's data
    assert result.compiled == result.by_hand and result.identical
    fit = line_fit.fit(x, y, lr=0.001, epochs=30)
    assert result.backward == (fit.a, fit.b)
    assert result.converged
    out = capsys.readouterr().out
    assert f"a = {result.compiled[0]!r}" in out and f"b = {result.compiled[1]!r}" in out
    assert "identical to the last bit: True" in out
    assert [p.name for p in result.figures] == ["compiled_line_fit.png"]
    assert_figure(result.figures[0])


def test_ulps_counts_the_floats_between():
    one = 1.0
    assert compiled_line_fit.ulps(one, one) == 0
    assert compiled_line_fit.ulps(one, math.nextafter(math.nextafter(one, 2), 2)) == 2
    assert compiled_line_fit.ulps(-0.0, 0.0) == 0


def test_classifier_learns_saves_and_reloads(tmp_path, capsys):
    result = classifier.main(["--out", str(tmp_path), "--quick", "--quiet"])
    epochs = classifier.QUICK["epochs"]
    assert len(result.loss) == len(result.lr) == epochs
    assert result.converged and result.loss[-1] < result.loss[0]
    assert result.accuracy > 0.5  # better than chance after a few epochs
    # CosineAnnealingLR from lr 0.03 down along half a cosine (PyTorch's closed form, to rounding).
    for t, lr in enumerate(result.lr):
        assert lr == pytest.approx(0.03 * (1 + math.cos(math.pi * t / epochs)) / 2, rel=1e-12)
    assert result.reloaded_same
    saved = result.files[-1]
    copy = classifier.mg.nn.MLP(2, [16, 16, 2], activation="relu")
    classifier.mg.nn.load(copy, saved)
    assert copy.state_dict() == result.model.state_dict()
    assert [p.name for p in result.files] == [
        "classifier_training.png",
        "classifier_boundary.png",
        "classifier.json",
    ]
    for path in result.files[:-1]:
        assert_figure(path)
    assert "same parameters and predictions: True" in capsys.readouterr().out


def test_classifier_loss_is_cross_entropy_on_two_logits():
    model = classifier.mg.nn.MLP(2, [3, 2], activation="relu", rng=0)
    points = np.array([[0.5, -1.0], [1.5, 0.25]])
    logits = classifier.logits_of(model, points)
    loss = classifier.mg.cross_entropy(logits, [1, 0])
    expected = np.mean(
        [
            -math.log(math.exp(s[t].data) / sum(math.exp(v.data) for v in s))
            for s, t in zip(logits, [1, 0], strict=True)
        ]
    )
    assert loss.item() == pytest.approx(expected, rel=1e-12)
    predicted = [int(s[1].data > s[0].data) for s in logits]
    assert classifier.predict(model, points).tolist() == predicted


@pytest.mark.parametrize(
    "module",
    [common, convex_descent, compiled_line_fit, outliers, newton],
    ids=lambda m: m.__name__,
)
def test_docstring_examples(module: ModuleType):
    failures, tried = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert tried > 0 and failures == 0


def test_same_seed_same_numbers():
    def run(seed: int) -> list[float]:
        x, y = common.make_dataset(seed=seed)
        return line_fit.fit(x, y, lr=0.01, epochs=3).a_path

    assert run(5) == run(5)
    assert run(5) != run(6)
