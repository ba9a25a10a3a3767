"""Hypothesis profiles: ``ci`` keeps property tests fast; ``dev`` explores more.
Select with ``HYPOTHESIS_PROFILE`` (``.ci/run`` sets ``ci``)."""

import os

from hypothesis import HealthCheck, settings

settings.register_profile("ci", max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=300, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))
