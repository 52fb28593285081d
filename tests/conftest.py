"""Settings for the whole suite."""

from __future__ import annotations

from hypothesis import HealthCheck, settings

# The machines that run the suite are small and shared: a property test's examples are
# judged by what they find, never by how long one took, so no per-example deadline.
settings.register_profile("covia", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("covia")

# The venue the end-to-end suite runs against: the simulator, or one given from outside.
pytest_plugins = ["tests.venues"]
