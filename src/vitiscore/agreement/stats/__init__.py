"""Statistics of agreement, one family a module: cluster bootstrap (:mod:`.bootstrap`), intraclass correlation
(:mod:`.icc`), Bland-Altman (:mod:`.bland_altman`), Lin's concordance (:mod:`.concordance`), correlation and mean
errors (:mod:`.correlation`), Cohen's kappa (:mod:`.kappa`), proportions (:mod:`.proportions`), and the registry
of the scalar statistics that ``validate`` reports (:mod:`.registry`).

scipy provides what it does well (F, t and normal quantiles, regression, binomial intervals, Pearson's interval);
the rest is written here, each module saying why. Degenerate inputs give a documented NaN or a ValueError naming
the problem, never a crash.
"""

from vitiscore.agreement.stats.bland_altman import bland_altman
from vitiscore.agreement.stats.bootstrap import cluster_bootstrap_ci, cluster_bootstrap_many
from vitiscore.agreement.stats.concordance import concordance
from vitiscore.agreement.stats.correlation import correlation, mean_errors
from vitiscore.agreement.stats.icc import ICC_FORMS, icc, icc_values
from vitiscore.agreement.stats.inputs import CONSTANT_RTOL, is_constant
from vitiscore.agreement.stats.kappa import cohen_kappa
from vitiscore.agreement.stats.proportions import proportion_ci, sensitivity_specificity
from vitiscore.agreement.stats.registry import AGREEMENT_STATISTICS, Statistic

__all__ = [
    "AGREEMENT_STATISTICS",
    "CONSTANT_RTOL",
    "ICC_FORMS",
    "Statistic",
    "bland_altman",
    "cluster_bootstrap_ci",
    "cluster_bootstrap_many",
    "cohen_kappa",
    "concordance",
    "correlation",
    "icc",
    "icc_values",
    "is_constant",
    "mean_errors",
    "proportion_ci",
    "sensitivity_specificity",
]
