"""Pure rules for case finding: the electronic Frailty Index, the LACE index with its
Charlson comorbidity component, and the risk-of-admission model. No Django imports."""
