"""Maximum-likelihood machinery of both models: optimiser, Hessian standard errors, diagnostics."""

from __future__ import annotations

import contextlib
from functools import cache
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize

from helpers.analysis.clv.inputs import _HESSIAN_STEP, _LOG_BOUND


def numerical_hessian(grad, theta: np.ndarray, step: float = _HESSIAN_STEP) -> np.ndarray:
    """Hessian by central differences of an analytic gradient, symmetrised.

    Parameters
    ----------
    grad : callable
        ``grad(theta) -> ndarray`` of the function whose Hessian is wanted.
    theta : numpy.ndarray
        Point of evaluation.
    step : float
        Difference step (in the units of ``theta``; log parameters here).

    Returns
    -------
    numpy.ndarray
        ``(k, k)`` matrix.
    """
    theta = np.asarray(theta, dtype="float64")
    k = len(theta)
    hess = np.empty((k, k))
    for j in range(k):
        e = np.zeros(k)
        e[j] = step
        hess[:, j] = (grad(theta + e) - grad(theta - e)) / (2 * step)
    return (hess + hess.T) / 2


@cache
def _blas_controller():
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:  # pragma: no cover - threadpoolctl ships with scikit-learn
        return None
    return ThreadpoolController()


def _single_thread_blas():
    # The optimiser works on 3-4 numbers; multi-threaded BLAS only adds thread start-up and,
    # on a busy machine, stalls of milliseconds per iteration.
    ctl = _blas_controller()
    return ctl.limit(limits=1, user_api="blas") if ctl is not None else contextlib.nullcontext()


def _fit_log_params(nll_grad, start: np.ndarray) -> tuple[np.ndarray, Any]:
    bounds = [(-_LOG_BOUND, _LOG_BOUND)] * len(start)
    with _single_thread_blas():
        res = optimize.minimize(nll_grad, start, jac=True, method="L-BFGS-B", bounds=bounds,
                                options={"maxiter": 1000, "ftol": 1e-13, "gtol": 1e-8})
    return res.x, res


def _standard_errors(nll_grad, log_theta: np.ndarray, names: tuple[str, ...],
                     shift: np.ndarray) -> tuple[dict, np.ndarray]:
    """Hessian of the NLL in log space -> covariance of log params -> delta-method SEs.

    ``shift`` undoes the data scaling (log alpha or log gamma moves by a constant, which
    leaves the Hessian in log space unchanged).
    """
    with _single_thread_blas():
        hess = numerical_hessian(lambda v: nll_grad(v)[1], log_theta)
        try:
            cov = np.linalg.inv(hess)
            ok = np.all(np.linalg.eigvalsh(hess) > 0)
        except np.linalg.LinAlgError:
            cov, ok = np.full_like(hess, np.nan), False
    if not ok:
        cov = np.full_like(hess, np.nan)
    theta = np.exp(log_theta + shift)
    se = theta * np.sqrt(np.clip(np.diag(cov), 0, None))
    return dict(zip(names, se, strict=True)), cov


def _summary_frame(params: dict, se: dict, cov: np.ndarray) -> pd.DataFrame:
    names = list(params)
    est = np.array([params[n] for n in names])
    se_log = np.sqrt(np.clip(np.diag(cov), 0, None))
    return pd.DataFrame({
        "parameter": names,
        "estimate": est,
        "std_error": [se[n] for n in names],
        # Intervals on the log scale keep them positive, like the parameters.
        "ci_low": est * np.exp(-1.96 * se_log),
        "ci_high": est * np.exp(1.96 * se_log),
    })


#: Above this standard error of a log parameter (a 95% interval wider than a factor of
#: e**20 either way) the data does not pin the parameter down: the fit is degenerate.
MAX_LOG_STD_ERROR = 10.0
#: Above this a shape parameter (``r``, ``a``, ``b``, ``p``, ``q``: no unit) is absurd:
#: published fits lie between 0.05 and 20; ``a = 43,623`` means the optimiser ran off.
MAX_SHAPE = 1e4
_SHAPES = ("r", "a", "b", "p", "q")


def fit_problem(model: Any) -> str | None:
    """Why a fitted model cannot be trusted, or ``None`` when it can.

    A fit is degenerate when the optimiser did not converge, a parameter is not finite or
    ran into the bound of the search (the likelihood keeps improving toward 0 or
    infinity), a shape parameter is absurdly large (above :data:`MAX_SHAPE`), or the
    likelihood is flat around the optimum (no finite standard errors, or a standard error
    of a log parameter above :data:`MAX_LOG_STD_ERROR`).

    Parameters
    ----------
    model : BetaGeoModel or GammaGammaModel
        A fitted model.

    Returns
    -------
    {"converge", "parameters", "bound", "absurd", "flat"} or None
    """
    if not getattr(model, "converged_", False):
        return "converge"
    theta = np.array(list(model.params_.values()), dtype="float64")
    if not np.isfinite(theta).all() or (theta <= 0).any():
        return "parameters"
    log_theta = getattr(model, "log_theta_", None)
    if log_theta is not None and (np.abs(log_theta) >= _LOG_BOUND - 1e-3).any():
        return "bound"
    if any(float(v) > MAX_SHAPE for k, v in model.params_.items() if k in _SHAPES):
        return "absurd"
    cov = getattr(model, "cov_log_", None)
    if cov is not None:
        var = np.diag(np.asarray(cov, dtype="float64"))
        if not np.isfinite(var).all() or (np.sqrt(np.clip(var, 0, None)) > MAX_LOG_STD_ERROR).any():
            return "flat"
    return None


__all__ = [
    "MAX_LOG_STD_ERROR",
    "MAX_SHAPE",
    "fit_problem",
    "numerical_hessian",
]
