"""Every write of the sampling app (STYLE.md §2), one module per stage:
``plans`` (plans, test items, quotas), ``draws`` (pools and verifiable draws),
``samples`` (tasks, samples, custody, reports, objections, rectification, referrals),
``bulletins`` (result bulletins)."""
