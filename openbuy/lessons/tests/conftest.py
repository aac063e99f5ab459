from openbuy.specifications.tests.conftest import adopted_need, spec  # noqa: F401 - fixtures
