"""Prints the scikit-learn values hard-coded in Tests/SynapseTests/Metrics/MetricsEdgeCaseTests.swift.

Dev-only (never run in CI): python3 Benchmarks/reference/metrics_edge_cases.py  (scikit-learn >= 1.4)
"""
import warnings

import sklearn.metrics as M

warnings.simplefilter("ignore")  # zero-division and single-class warnings are the point here

yt, ys = [0, 1, 0, 1, 1, 0, 1, 0], [0.5, 0.5, 0.2, 0.8, 0.5, 0.8, 0.9, 0.1]
print("tied scores: roc_auc", M.roc_auc_score(yt, ys), "average_precision", M.average_precision_score(yt, ys))
fpr, tpr, th = M.roc_curve(yt, ys, drop_intermediate=False)
print("roc_curve", fpr.tolist(), tpr.tolist(), th.tolist())
p, r, t = M.precision_recall_curve(yt, ys)
print("precision_recall_curve", p.tolist(), r.tolist(), t.tolist())

yt, yp = [0, 0, 1, 1, 2, 2], [0, 1, 1, 1, 0, 0]  # class 3 absent, class 2 never predicted
for avg in ["macro", "micro", "weighted"]:
    kw = dict(labels=[0, 1, 2, 3], average=avg, zero_division=0)
    print(avg, M.precision_score(yt, yp, **kw), M.recall_score(yt, yp, **kw), M.f1_score(yt, yp, **kw))

yt, sc = [0, 1, 2, 2], [[0.5, 0.5, 0.0], [0.5, 0.5, 0.0], [0.2, 0.4, 0.4], [0.1, 0.3, 0.6]]
print("top_k ties: k=1", M.top_k_accuracy_score(yt, sc, k=1, labels=[0, 1, 2]),
      "k=2", M.top_k_accuracy_score(yt, sc, k=2, labels=[0, 1, 2]))
print("ndcg ties: k=3", M.ndcg_score([[3, 2, 1, 0, 0]], [[1, 1, 0.5, 0.5, 0]], k=3),
      "all", M.ndcg_score([[3, 2, 1, 0, 0]], [[1, 1, 0.5, 0.5, 0]]))
print("ndcg with an all-irrelevant query", M.ndcg_score([[0, 0, 0], [1, 0, 2]], [[1, 2, 3], [3, 2, 1]]))
print("r2 constant target", M.r2_score([1, 1, 1], [1, 1, 1]), M.r2_score([1, 1, 1], [1, 2, 1]))
print("mape zero target", M.mean_absolute_percentage_error([0, 1], [1, 1]))
print("log_loss clipped", M.log_loss([1, 0], [1.0, 1.0]))
