"""Measuring answers: the metrics of the evaluation contract, the ablation table, 👍/👎 feedback as questions."""
