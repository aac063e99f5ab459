import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openbuy.settings")

application = get_wsgi_application()

# Everything loaded so far (Django, the apps, their modules) lives as long as the process: move it
# out of the garbage collector's sight, and collect less often. Without this the full collections
# of a busy worker walk the whole heap again and again; measured with `make bench`'s server, a
# hello-world page fell from 1,100 to under 500 requests a second after a few seconds of large
# pages (the OCDS releases page is 500 KB), and stayed near 1,250 with it.
gc.collect()
gc.freeze()
gc.set_threshold(50_000, 20, 20)
