"""openbuy's own settings, plus one route: the hello-world page the HTTP figures are compared
with, served by the same server, through the same middleware, in the same run."""

from openbuy.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
