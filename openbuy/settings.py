"""openbuy's one settings module, driven by the environment.

Every value comes from an ``OPENBUY_*`` variable read through :mod:`openbuy.env`, which stops
start-up with a message naming the variable when a value is bad. There is no separate production
settings file: what runs in production is what runs in the tests. See docs/operations.md for the
full list of variables.
"""

from pathlib import Path

from openbuy.env import Env

env = Env()

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env.str("OPENBUY_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env.bool("OPENBUY_DEBUG", default=False)
SECRET_KEY = env.secret_key("OPENBUY_SECRET_KEY", debug=DEBUG)
ALLOWED_HOSTS = env.list(
    "OPENBUY_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env.list("OPENBUY_CSRF_TRUSTED_ORIGINS")

SERVICE_NAME = env.str("OPENBUY_SERVICE_NAME", "openbuy")
# How many open reports hold a need, idea or comment until a moderator decides.
REPORTS_TO_HOLD = env.int("OPENBUY_REPORTS_TO_HOLD", 3, minimum=1)
# The site's public address, for links in emails and feeds.
SITE_URL = env.str("OPENBUY_SITE_URL", "http://127.0.0.1:8000")
# ISO 4217 code for amounts shown without one (cost bands, budgets).
CURRENCY = env.currency("OPENBUY_CURRENCY", "GBP")

# The specification lint (openbuy/specifications/lint.py): plain English and fairness checks.
LINT_MAX_SENTENCE_WORDS = env.int("OPENBUY_LINT_MAX_SENTENCE_WORDS", 25, minimum=8)
LINT_READING_EASE_TARGET = env.int("OPENBUY_LINT_READING_EASE_TARGET", 50, minimum=0)
LINT_JARGON_FILE = env.str("OPENBUY_LINT_JARGON_FILE", "")
LINT_BRANDS_FILE = env.str("OPENBUY_LINT_BRANDS_FILE", "")
LINT_INSURANCE_LIMIT = env.int("OPENBUY_LINT_INSURANCE_LIMIT", 5_000_000, minimum=0)
PHASE = env.str("OPENBUY_PHASE", "Beta")

# Procurement processes (openbuy/processes). Sealed submissions are encrypted with a key derived,
# per process, from this key-encryption key. Keep it out of the database and its backups; losing
# it loses every sealed submission not yet opened. Without it the secret key is used (development).
SEAL_KEY = env.str("OPENBUY_SEAL_KEY", "")
# An amendment while a process is open leaves at least this many days before the deadline.
PROCESS_AMENDMENT_DAYS = env.int("OPENBUY_PROCESS_AMENDMENT_DAYS", 5, minimum=1)
# The deadline does not pass while a question older than this many days is unanswered: it moves
# on by the same number of days, publicly.
PROCESS_QUESTION_DAYS = env.int("OPENBUY_PROCESS_QUESTION_DAYS", 3, minimum=1)
# Evaluation (openbuy/evaluation): the published scoring scale, and the spread of evaluators'
# scores on one criterion above which the panel must agree a moderated score.
EVALUATION_SCALE_MAX = env.int("OPENBUY_EVALUATION_SCALE_MAX", 10, minimum=1)
EVALUATION_DISAGREEMENT_RANGE = env.int("OPENBUY_EVALUATION_DISAGREEMENT_RANGE", 2, minimum=0)
# Days between the award and the earliest a contract may be signed.
STANDSTILL_DAYS = env.int("OPENBUY_STANDSTILL_DAYS", 10, minimum=0)
# Lessons: the similarity engine (tfidf needs no model; semantic needs openbuy[semantic]), and how
# many days late a milestone may be decided before a lesson is demanded.
LESSONS_ENGINE = env.choice("OPENBUY_LESSONS_ENGINE", "tfidf", ["tfidf", "semantic"])
LESSONS_MILESTONE_MARGIN_DAYS = env.int("OPENBUY_LESSONS_MILESTONE_MARGIN_DAYS", 14, minimum=0)
# Open data (OCDS 1.1). The prefix is the one the Open Contracting Partnership registers for a
# publisher; the default marks data that is not yet registered. Licence and policy go in every
# package. The schema folder, when set, is used instead of one download of the standard's schema.
OCDS_PREFIX = env.str("OPENBUY_OCDS_PREFIX", "ocds-openby")
OCDS_PUBLISHER_NAME = env.str("OPENBUY_OCDS_PUBLISHER_NAME", SERVICE_NAME)
OCDS_PUBLISHER_SCHEME = env.str("OPENBUY_OCDS_PUBLISHER_SCHEME")
OCDS_PUBLISHER_UID = env.str("OPENBUY_OCDS_PUBLISHER_UID")
OCDS_LICENSE = env.str(
    "OPENBUY_OCDS_LICENSE",
    "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
)
OCDS_PUBLICATION_POLICY = env.str("OPENBUY_OCDS_PUBLICATION_POLICY")
OCDS_SCHEMA_DIR = env.str("OPENBUY_OCDS_SCHEMA_DIR")
OCDS_EXPORT_DIR = env.str("OPENBUY_OCDS_EXPORT_DIR", str(VAR_DIR / "opendata"))
OCDS_PAGE_SIZE = env.int("OPENBUY_OCDS_PAGE_SIZE", 100, minimum=1)
# Red flag thresholds, each optional (defaults and meaning: openbuy/opendata/redflags.py and
# docs/operations.md); checked at start-up by the system check openbuy.opendata.E001.
for _name in (
    "SINGLE_BID_METHODS",
    "SHORT_PERIOD_DAYS",
    "SHORT_PERIOD_METHODS",
    "CLOSE_BID_MIN_PROCESSES",
    "CLOSE_BID_FRACTION",
    "ESTIMATE_MARGIN",
    "LATE_AWARD_MIN_AWARDS",
    "THRESHOLD_MARGIN",
    "AMENDMENT_RATIO",
    "CONCENTRATION_MIN_SUPPLIERS",
    "CONCENTRATION_HHI",
    "CONCENTRATION_MIN_AWARDS",
):
    if _value := env.str(f"OPENBUY_OCDS_FLAG_{_name}"):
        globals()[f"OCDS_FLAG_{_name}"] = _value
# Spending limits as CURRENCY:AMOUNT pairs, e.g. "GBP:30000,GBP:214904".
if _limits := env.list("OPENBUY_OCDS_FLAG_THRESHOLDS"):
    OCDS_FLAG_THRESHOLDS = [tuple(limit.partition(":")[::2]) for limit in _limits]
SUBMISSION_FILE_MAX_BYTES = env.int(
    "OPENBUY_SUBMISSION_FILE_MAX_BYTES", 10 * 1024 * 1024, minimum=1
)

# Behind HTTPS (production) cookies are marked secure and browsers are told to stay on HTTPS.
HTTPS = env.bool("OPENBUY_HTTPS", default=not DEBUG)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS and env.bool("OPENBUY_SSL_REDIRECT", default=True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SECURE_HSTS_SECONDS = env.int("OPENBUY_HSTS_SECONDS", 31536000 if HTTPS else 0, minimum=0)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp): scripts, styles, fonts and images only from this site,
# never inline (base.html loads its scripts from files), no plug-ins, no framing, forms post
# only here. A script an attacker slipped into a page would not run.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
SESSION_COOKIE_HTTPONLY = True

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rules.apps.AutodiscoverRulesConfig",
    "django_tasks",
    "django_tasks_db",
    "ninja",
    # openbuy, in lifecycle order (see docs/architecture.md)
    "openbuy.ui",
    "openbuy.accounts",
    "openbuy.audit",
    "openbuy.discussion",
    "openbuy.needs",
    "openbuy.lessons",
    "openbuy.specifications",
    "openbuy.processes",
    "openbuy.evaluation",
    "openbuy.contracts",
    "openbuy.opendata",
    "openbuy.insights",
    "openbuy.pages",
    "openbuy.backups",
    "openbuy.demo",
    # after openbuy.accounts, whose GOV.UK versions of allauth's templates take precedence
    "allauth",
    "allauth.account",
    # Django's own form widget templates, found by the GOV.UK form renderer (openbuy.ui.forms)
    "django.forms",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "openbuy.pagecache.AnonymousPageCache",
    # Django's, but a page that was only read is sent even when its session cannot be saved
    "openbuy.pages.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # last, so it sees a view's exception first: a write the database refuses answers 503
    "openbuy.pages.middleware.WriteUnavailableMiddleware",
]

ROOT_URLCONF = "openbuy.urls"
# The needs' list index carries extra columns on PostgreSQL (INCLUDE); SQLite builds it without
# them, as intended, and Django would say so on every command.
SILENCED_SYSTEM_CHECKS = ["models.W040"]
WSGI_APPLICATION = "openbuy.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "openbuy.ui.context_processors.service",
            ],
            "builtins": ["openbuy.ui.templatetags.govuk"],
        },
    }
]
# Every Django form renders as GOV.UK Frontend markup (labels, hints, error messages).
FORM_RENDERER = "openbuy.ui.forms.GovukFormRenderer"

DATABASES = {
    "default": env.database(
        "OPENBUY_DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'openbuy.sqlite3'}"
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("OPENBUY_REDIS_URL")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "openbuy.cache.RedisCache", "LOCATION": REDIS_URL}}
    # Sessions read from Redis and written through to the database: fast, and nobody is signed
    # out when Redis restarts or its memory fills.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Anonymous pages are kept in the cache until any write (openbuy.pagecache, ADR 022), and
# at most this long; only with Redis, the one cache every process shares. 0 turns it off.
PAGE_CACHE_SECONDS = env.int("OPENBUY_PAGE_CACHE_SECONDS", 30, minimum=0) if REDIS_URL else 0

# Background work: in-process by default; OPENBUY_TASKS=database queues it for `openbuy db_worker`.
TASKS_MODE = env.choice("OPENBUY_TASKS", "immediate", ["immediate", "database"])
TASKS = {
    "default": {
        "BACKEND": (
            "django_tasks_db.DatabaseBackend"
            if TASKS_MODE == "database"
            else "django_tasks.backends.immediate.ImmediateBackend"
        )
    }
}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "pages:home"

# django-allauth: email sign-in, mandatory verification, throttled sign-in attempts.
ACCOUNT_ADAPTER = "openbuy.accounts.adapter.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_SIGNUP_FORM_CLASS = "openbuy.accounts.forms.SignupForm"
ACCOUNT_FORMS = {
    "login": "openbuy.accounts.allauth_forms.GovukLoginForm",
    "signup": "openbuy.accounts.allauth_forms.GovukSignupForm",
    "reset_password": "openbuy.accounts.allauth_forms.GovukResetPasswordForm",
    "reset_password_from_key": "openbuy.accounts.allauth_forms.GovukResetPasswordKeyForm",
    "change_password": "openbuy.accounts.allauth_forms.GovukChangePasswordForm",
}
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"[{SERVICE_NAME}] "
ACCOUNT_RATE_LIMITS = {
    # Five wrong passwords for one account, or twenty from one address, within five minutes
    # stop further attempts until the window passes.
    "login_failed": "20/5m/ip,5/5m/key",
    "signup": "20/h/ip",
    "reset_password": "20/m/ip,5/5m/key",
    "confirm_email": "1/3m/key",
}

EMAIL_HOST = env.str("OPENBUY_EMAIL_HOST")
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_PORT = env.int("OPENBUY_EMAIL_PORT", 587, minimum=1)
EMAIL_HOST_USER = env.str("OPENBUY_EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env.str("OPENBUY_EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env.bool("OPENBUY_EMAIL_USE_TLS", default=True)
EMAIL_TIMEOUT = 20
DEFAULT_FROM_EMAIL = env.str("OPENBUY_EMAIL_FROM", f"{SERVICE_NAME} <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env.time_zone("OPENBUY_TIME_ZONE", "Europe/London")
USE_I18N = True
USE_TZ = True

# Uploaded files (evidence attached to needs). Served through views that check who may see them.
MEDIA_ROOT = Path(env.str("OPENBUY_MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "/media/"
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024

STATIC_URL = "/static/"
# Built by `npm run build` (see package.json); not committed.
STATICFILES_DIRS = [BASE_DIR / "openbuy" / "static"]
STATIC_ROOT = Path(env.str("OPENBUY_STATIC_ROOT", str(VAR_DIR / "static")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            # Hashed, compressed, cached for a year once `openbuy collectstatic` has run.
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env.bool("OPENBUY_STATIC_MANIFEST", default=not DEBUG)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

NINJA_PAGINATION_PER_PAGE = 50
NINJA_PAGINATION_MAX_LIMIT = 200

LOG_LEVEL = env.choice("OPENBUY_LOG_LEVEL", "INFO", ["DEBUG", "INFO", "WARNING", "ERROR"])
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"django_tasks": {"level": "WARNING"}},
}
