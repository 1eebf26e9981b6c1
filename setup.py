"""rules/ lives at the top of the repository (the policy, reviewed as data) and
ships inside the package as `vitana_guard.rules`; pyproject.toml cannot say
"found packages plus one mapped directory", so this shim does."""
from setuptools import find_packages, setup

setup(
    packages=find_packages(include=["vitana_guard", "vitana_guard.*"]) + ["vitana_guard.rules"],
    package_dir={"vitana_guard.rules": "rules"},
)
