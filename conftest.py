import zhiliang.testing.hypothesis_profiles  # noqa: F401

pytest_plugins = ["zhiliang.testing.fixtures"]
