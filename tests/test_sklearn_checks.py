"""sgdtext.LinearClassifier under scikit-learn's own estimator checks (parametrize_with_checks)."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from sgdtext.estimator import LinearClassifier

SOLVED_TO_A_TOLERANCE = ("dual_cd stops at training.dual_tol (0.1, LIBLINEAR's default), not at the optimum: a "
                         "weighted problem and the same data repeated share the optimum, but the solver stops at "
                         "different points near it (probabilities within about 0.01 on the check's data), not within "
                         "the check's 1e-7")
EXPECTED_FAILURES = {"check_sample_weight_equivalence_on_dense_data": SOLVED_TO_A_TOLERANCE,
                     "check_sample_weight_equivalence_on_sparse_data": SOLVED_TO_A_TOLERANCE}


@parametrize_with_checks([LinearClassifier()], expected_failed_checks=lambda estimator: EXPECTED_FAILURES)
def test_scikit_learn_estimator_checks(estimator, check):
    check(estimator)
