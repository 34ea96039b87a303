"""Curve fitting: stepped metrics, artifacts, logging and explicit parallelism.

Fits y = a * exp(-b * x) + c to noisy data by gradient descent, sweeping the
learning rate and the number of iterations, with 3 seeded replicates each
(18 runs). Run it from the repository root:

    uv run python examples/curve_fit/run.py

The same operation is the default sweep of ``experiments.toml`` (``uv run metalab-tui``);
both write to ./experiments/curve_fit_0.1 and share run ids, so either resumes the other.
"""

from __future__ import annotations

import numpy as np

import metalab
from metalab import ThreadExecutor

TRUE_PARAMS = np.array([2.5, 1.3, 0.5])  # a, b, c
N_POINTS = 60
NOISE = 0.05
CONVERGED_BELOW = 1e-9  # a step that improves the loss by less than this counts as converged


def make_data(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    x = np.linspace(0.0, 4.0, N_POINTS)
    a, b, c = TRUE_PARAMS
    y = a * np.exp(-b * x) + c + rng.normal(0.0, NOISE, size=x.shape)
    return x, y


def compute_loss(x: np.ndarray, y: np.ndarray, theta: np.ndarray) -> float:
    a, b, c = theta
    return float(np.mean((a * np.exp(-b * x) + c - y) ** 2))


def gradient(x: np.ndarray, y: np.ndarray, theta: np.ndarray) -> np.ndarray:
    a, b, c = theta
    e = np.exp(-b * x)
    r = a * e + c - y
    return 2.0 * np.array([np.mean(r * e), np.mean(-r * a * x * e), np.mean(r)])


@metalab.operation
def fit_curve(params, seeds, capture):
    lr = params["learning_rate"]
    n_iterations = params["n_iterations"]
    rng = seeds.numpy()
    x_data, y_data = make_data(rng)
    theta = np.array([1.0, 0.5, 0.0]) + rng.normal(0.0, 0.1, size=3)

    capture.log(f"Starting optimization with lr={lr}")
    history = []
    converged_at = None
    previous = None
    for i in range(n_iterations):
        loss = compute_loss(x_data, y_data, theta)
        capture.metric("loss", float(loss), step=i)  # Training curve
        history.append(loss)
        if converged_at is None and previous is not None and previous - loss < CONVERGED_BELOW:
            converged_at = i
            capture.log(f"Converged at iteration {i} with loss={loss:.2e}")
        previous = loss
        theta = theta - lr * gradient(x_data, y_data, theta)

    capture.metric("final_loss", float(history[-1]))
    capture.metric(
        "iterations_to_converge", converged_at if converged_at is not None else n_iterations
    )
    capture.artifact("fitted_params", theta)  # Numpy array [a, b, c]
    capture.artifact("loss_history", np.array(history))  # 1D array for visualization
    capture.log(f"Finished: a={theta[0]:.4f} b={theta[1]:.4f} c={theta[2]:.4f}")


def loss_reducer(history: np.ndarray) -> dict[str, float]:
    return {
        "initial_loss": float(history[0]),
        "final_loss_check": float(history[-1]),
        "improvement_ratio": float(history[0] / history[-1]),
    }


def params_reducer(theta: np.ndarray) -> dict[str, float]:
    return {"fitted_a": float(theta[0]), "fitted_b": float(theta[1]), "fitted_c": float(theta[2])}


def make_experiment() -> metalab.Experiment:
    return metalab.Experiment(
        name="curve_fit",
        version="0.1",
        context={},
        operation=fit_curve,
        params=metalab.grid(learning_rate=[0.01, 0.05, 0.1], n_iterations=[5000, 10000]),
        seeds=metalab.seeds(base=42, replicates=3),
        description="Fit an exponential decay by gradient descent",
    )


def main() -> None:
    exp = make_experiment()
    print(f"Running {len(list(exp.params))} parameter cases x {len(exp.seeds)} seeds")

    executor = ThreadExecutor(max_workers=4)
    handle = metalab.run(exp, executor=executor, progress=True)
    results = handle.result()

    print("\nResults:")
    print(
        results.table(as_dataframe=True)[
            ["run_id", "status", "param_learning_rate", "param_n_iterations", "final_loss"]
        ].to_string()
    )

    best = min(results.successful, key=lambda run: run.metrics.get("final_loss", float("inf")))
    fitted = best.artifact("fitted_params")
    print(
        f"\nBest run {best.run_id[:8]} (lr={best.params['learning_rate']}, "
        f"n_iterations={best.params['n_iterations']}): final_loss={best.metrics['final_loss']:.3e}"
    )
    for label, got, true in zip("abc", fitted, TRUE_PARAMS, strict=True):
        print(f"  {label}: fitted {got:.4f}   true {true:.4f}")

    df = results.to_dataframe(
        artifact_reducers={"loss_history": loss_reducer, "fitted_params": params_reducer}
    )
    print("\nBy learning rate (mean over iterations and seeds):")
    summary = df.groupby("param_learning_rate")[
        ["final_loss", "improvement_ratio", "fitted_a", "fitted_b", "fitted_c"]
    ].mean()
    print(summary.to_string())
    executor.shutdown()


if __name__ == "__main__":
    main()
