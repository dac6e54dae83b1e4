"""Fixtures for the tabular baselines: scikit-learn's LogisticRegression (L2, C = 1 and C = 0.1,
lbfgs, fitted to convergence) on standardised breast cancer (two classes: the binomial loss) and wine
(three classes: the multinomial loss) data, and DummyClassifier(strategy="prior") — the reference
values of `LogisticRegression.fit` and `MajorityClassifier` — and HistGradientBoostingClassifier /
Regressor with their defaults (100 iterations, 31 leaves, 20 rows per leaf, learning rate 0.1, no
early stopping below 10,000 rows) on those two and on diabetes (regression): the test accuracy, log
loss and RMSE that `GradientBoostedTrees` is compared with.

Writes Tests/SynapseTests/Fixtures/baselines/baselines.json. Run once, never in CI:
    python3 scripts/make-baseline-fixtures.py
"""
import json
import os

import numpy as np
from sklearn.datasets import load_breast_cancer, load_diabetes, load_wine
from sklearn.dummy import DummyClassifier
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss, mean_squared_error
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

out = {}
for name, loader in [("breast_cancer", load_breast_cancer), ("wine", load_wine)]:
    x, y = loader(return_X_y=True)
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.25, random_state=0, stratify=y)
    scaler = StandardScaler().fit(x_train)
    # Five decimals keep the file small; the fit uses exactly the values stored.
    x_train = np.round(scaler.transform(x_train), 5)
    x_test = np.round(scaler.transform(x_test), 5)
    case = {"x_train": x_train.tolist(), "y_train": y_train.tolist(), "x_test": x_test.tolist(), "y_test": y_test.tolist(),
            "classes": int(y.max() + 1)}
    for c in [1.0, 0.1]:
        model = LogisticRegression(C=c, max_iter=100000, tol=1e-12).fit(x_train, y_train)
        key = f"c{c:g}"
        case[key] = {"coef": model.coef_.tolist(), "intercept": model.intercept_.tolist(),
                     "proba_test": model.predict_proba(x_test).tolist(),
                     "accuracy": float(model.score(x_test, y_test))}
    hgb = HistGradientBoostingClassifier(random_state=0).fit(x_train, y_train)
    case["hgb_accuracy"] = float(hgb.score(x_test, y_test))
    case["hgb_log_loss"] = float(log_loss(y_test, hgb.predict_proba(x_test)))
    case["hgb_iterations"] = int(hgb.n_iter_)
    dummy = DummyClassifier(strategy="prior").fit(x_train, y_train)
    case["priors"] = dummy.class_prior_.tolist()
    case["dummy_accuracy"] = float(dummy.score(x_test, y_test))
    out[name] = case

x, y = load_diabetes(return_X_y=True)
x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.25, random_state=0)
scaler = StandardScaler().fit(x_train)
x_train = np.round(scaler.transform(x_train), 5)
x_test = np.round(scaler.transform(x_test), 5)
hgb = HistGradientBoostingRegressor(random_state=0).fit(x_train, y_train)
out["diabetes"] = {"x_train": x_train.tolist(), "y_train": y_train.tolist(), "x_test": x_test.tolist(), "y_test": y_test.tolist(),
                   "hgb_rmse": float(np.sqrt(mean_squared_error(y_test, hgb.predict(x_test)))),
                   "mean_rmse": float(np.sqrt(mean_squared_error(y_test, np.full_like(y_test, y_train.mean())))),
                   "hgb_iterations": int(hgb.n_iter_)}

path = os.path.join(os.path.dirname(__file__), "..", "Tests", "SynapseTests", "Fixtures", "baselines", "baselines.json")
with open(path, "w") as f:
    json.dump(out, f)
print("wrote", os.path.normpath(path))
