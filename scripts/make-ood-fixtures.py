"""Fixtures for out-of-distribution detection: reference values of `MahalanobisDetector`,
`LogitOODScores`, `OODDetection` and `RiskCoverageCurve`, computed with NumPy, SciPy and
scikit-learn on seeded data.

- Mahalanobis (Lee et al. 2018): class means and scikit-learn's `EmpiricalCovariance` of the
  class-centred training features (its precision is `pinvh` of the covariance, so the dead feature,
  constant zero, is ignored); score = −min_c (f − μ_c)ᵀ P (f − μ_c).
- MSP = max softmax; energy = T · logsumexp(z / T) (SciPy), at T = 1 and T = 2.
- AUROC = `roc_auc_score`, AUPR-In / AUPR-Out = `average_precision_score` with in-/out-of-distribution
  as positives (the latter on the negated score), FPR at 95% TPR from `roc_curve`.
- AURC: examples sorted by decreasing confidence, the mean of the error rate among the first k.

Writes Tests/SynapseTests/Fixtures/ood/ood-reference.json. Run once, never in CI:
    python3 scripts/make-ood-fixtures.py
"""
import json
import os

import numpy as np
from scipy.special import logsumexp, softmax
from sklearn.covariance import EmpiricalCovariance
from sklearn.metrics import average_precision_score, roc_auc_score, roc_curve

rng = np.random.default_rng(0)
classes, dim, n_train, n_test = 3, 6, 300, 40
centres = rng.normal(0, 3, (classes, dim)).astype(np.float32)
mix = rng.normal(0, 1, (dim, dim)).astype(np.float32)
train_labels = rng.integers(0, classes, n_train)
train = (centres[train_labels] + rng.normal(0, 1, (n_train, dim)) @ mix).astype(np.float32)
train[:, 4] = 0  # a ReLU unit that never fires
test = np.concatenate([centres[rng.integers(0, classes, n_test // 2)] + rng.normal(0, 1, (n_test // 2, dim)) @ mix,
                       rng.normal(0, 6, (n_test // 2, dim))]).astype(np.float32)

means = np.stack([train[train_labels == c].mean(0, dtype=np.float64) for c in range(classes)])
centred = train.astype(np.float64) - means[train_labels]
precision = EmpiricalCovariance(assume_centered=True).fit(centred).precision_
diff = test.astype(np.float64)[:, None, :] - means[None, :, :]
distances = np.einsum("ncd,de,nce->nc", diff, precision, diff)
mahalanobis = -distances.min(1)

logits = (rng.normal(0, 2.5, (50, 4))).astype(np.float32)
msp = softmax(logits.astype(np.float64), axis=1).max(1)
energy1 = logsumexp(logits.astype(np.float64), axis=1)
energy2 = 2 * logsumexp(logits.astype(np.float64) / 2, axis=1)

in_scores = rng.normal(1, 1, 400)
out_scores = rng.normal(-0.5, 1.3, 300)
labels = np.r_[np.ones(400), np.zeros(300)]
scores = np.r_[in_scores, out_scores]
fpr, tpr, _ = roc_curve(labels, scores, drop_intermediate=False)
fpr95 = fpr[np.argmax(tpr >= 0.95)]

confidence = rng.uniform(0, 1, 500)
correct = rng.uniform(0, 1, 500) < 0.3 + 0.7 * confidence
order = np.argsort(-confidence, kind="stable")
errors = np.cumsum(~correct[order])
aurc = float(np.mean(errors / np.arange(1, 501)))

out = {
    "classes": classes,
    "train": train.tolist(), "train_labels": train_labels.tolist(), "test": test.tolist(),
    "mahalanobis": mahalanobis.tolist(), "nearest_class": distances.argmin(1).tolist(),
    "logits": logits.tolist(), "msp": msp.tolist(), "energy_t1": energy1.tolist(), "energy_t2": energy2.tolist(),
    "in_scores": in_scores.tolist(), "out_scores": out_scores.tolist(),
    "auroc": roc_auc_score(labels, scores), "aupr_in": average_precision_score(labels, scores),
    "aupr_out": average_precision_score(1 - labels, -scores), "fpr_at_95_tpr": float(fpr95),
    "confidence": confidence.tolist(), "correct": correct.tolist(), "aurc": aurc,
}
path = os.path.join(os.path.dirname(__file__), "..", "Tests", "SynapseTests", "Fixtures", "ood", "ood-reference.json")
with open(path, "w") as f:
    json.dump(out, f)
print("wrote", os.path.normpath(path))
