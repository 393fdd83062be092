"""Django settings for heatwatch.

Everything is read from the environment (see docs/configuration.md). With nothing set, a fresh
checkout runs locally on SQLite under ``var/`` with secrets generated into
``var/local-secrets.json``. ``HEATWATCH_ENV=production`` turns on every hardening and refuses to
start without real secrets.
"""

from __future__ import annotations

from pathlib import Path

import django_stubs_ext
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from heatwatch.lib import local_secrets
from heatwatch.lib.env import (
    env_bool,
    env_float,
    env_int,
    env_list,
    env_secret,
    env_str,
    parse_database_url,
)

# Lets typed generics such as admin.ModelAdmin[User] work at run time.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent
PACKAGE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(env_str("HEATWATCH_VAR_DIR", str(BASE_DIR / "var")))

HEATWATCH_ENV = env_str("HEATWATCH_ENV", "development")
if HEATWATCH_ENV not in {"development", "production", "test"}:
    raise ImproperlyConfigured("HEATWATCH_ENV must be development, production or test")
PRODUCTION = HEATWATCH_ENV == "production"
DEBUG = env_bool("DEBUG", False)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DEBUG must be off when HEATWATCH_ENV=production")

# --- secrets -----------------------------------------------------------------------------------
_SECRET_NAMES = ("SECRET_KEY", "HEATWATCH_FIELD_KEYS", "HEATWATCH_INDEX_KEY", "HEATWATCH_AUDIT_KEY")
_secrets = {name: env_secret(name) for name in _SECRET_NAMES}
_missing = [name for name, value in _secrets.items() if not value]
if _missing:
    if PRODUCTION:
        raise ImproperlyConfigured(
            "Missing secrets in production: "
            + ", ".join(_missing)
            + ". Set them (or NAME_FILE) in the environment; see docs/configuration.md."
        )
    _local = local_secrets.load_or_create(VAR_DIR)
    _secrets = {name: value or _local[name] for name, value in _secrets.items()}

SECRET_KEY: str = _secrets["SECRET_KEY"] or ""
# Field encryption keys: "id:base64key,id:base64key"; the first encrypts, all decrypt.
HEATWATCH_FIELD_KEYS: str = _secrets["HEATWATCH_FIELD_KEYS"] or ""
# Key for blind indexes (keyed hashes used to search encrypted identifiers).
HEATWATCH_INDEX_KEY: str = _secrets["HEATWATCH_INDEX_KEY"] or ""
# Key for the audit log's HMAC hash chain.
HEATWATCH_AUDIT_KEY: str = _secrets["HEATWATCH_AUDIT_KEY"] or ""
# Signed checkpoints of the audit chain are appended here, outside the database (docs/audit.md);
# an empty value switches them off. Optionally e-mailed to these addresses too.
HEATWATCH_AUDIT_CHECKPOINT_FILE = env_str(
    "HEATWATCH_AUDIT_CHECKPOINT_FILE", str(VAR_DIR / "audit-checkpoints.log")
)
HEATWATCH_AUDIT_CHECKPOINT_EMAILS = env_list("HEATWATCH_AUDIT_CHECKPOINT_EMAILS")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# --- applications ------------------------------------------------------------------------------
INSTALLED_APPS = [
    # project apps first so their templates override third-party ones
    "heatwatch.core",
    "heatwatch.accounts",
    "heatwatch.audit",
    "heatwatch.pages",
    "heatwatch.tips",
    "heatwatch.identity",
    "heatwatch.directory",
    "heatwatch.cases",
    "heatwatch.meetings",
    "heatwatch.events",
    "heatwatch.mailing",
    "heatwatch.screening",
    "heatwatch.prosecution",
    "heatwatch.community",
    "heatwatch.insights",
    "heatwatch.api",
    # two-factor authentication
    "django_otp",
    "django_otp.plugins.otp_static",
    "django_otp.plugins.otp_totp",
    "two_factor",
    # security
    "axes",
    "csp",
    # background tasks
    "django_tasks",
    "django_tasks_db",
    # Wagtail (wagtail_localize.locales replaces wagtail.locales: the translation workflow)
    "wagtail_localize",
    "wagtail_localize.locales",
    "wagtail.contrib.forms",
    "wagtail.contrib.routable_page",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    # utilities
    "ninja",
    "django_htmx",
    # Django
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # early, so redirects and errors from the middleware below are covered too
    "heatwatch.core.middleware.NoStoreMiddleware",
    # a chunked body would reach a view as an empty form: refused before anything reads it
    "heatwatch.core.middleware.LengthRequiredMiddleware",
    "csp.middleware.CSPMiddleware",
    # public pages for visitors without a session, per language; never /report/ (pages/cache.py)
    "heatwatch.pages.cache.PublicPageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "heatwatch.core.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "heatwatch.accounts.middleware.SessionTimeoutMiddleware",
    "heatwatch.accounts.middleware.RequireTwoFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # axes last, as its documentation requires
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "heatwatch.urls"
WSGI_APPLICATION = "heatwatch.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                # the program's branding: CMS site setting over the environment's defaults
                "heatwatch.pages.context_processors.program",
                "heatwatch.core.context_processors.staff_roles",
                # may_screen, for the staff menu (screening is granted, not a role)
                "heatwatch.screening.context_processors.screening",
            ],
        },
    },
]

# --- database ----------------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'heatwatch.sqlite3'}"
DATABASES = {"default": parse_database_url(DATABASE_URL)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- accounts, passwords, sessions -------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Argon2id first (OWASP ASVS level 3); the others only verify hashes made elsewhere.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# Length, a common/breached list and a strength estimate; deliberately no composition rules
# (ASVS 6.2).
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 15},
    },
    {
        "NAME": "heatwatch.accounts.passwords.MaximumLengthValidator",
        "OPTIONS": {"max_length": 128},
    },
    {"NAME": "heatwatch.accounts.passwords.BreachedPasswordValidator"},
    # zxcvbn's estimate (0-4), with the user's names as known words; its advice is the error.
    {"NAME": "heatwatch.accounts.passwords.StrengthValidator", "OPTIONS": {"min_score": 3}},
]
# An installation may add its own list of breached passwords (one per line, optionally .gz).
HEATWATCH_BREACHED_PASSWORDS_FILE = env_str("HEATWATCH_BREACHED_PASSWORDS_FILE")

LOGIN_URL = "two_factor:login"
LOGIN_REDIRECT_URL = "staff:home"
LOGOUT_REDIRECT_URL = "two_factor:login"

SESSION_IDLE_TIMEOUT = env_int("HEATWATCH_SESSION_IDLE_SECONDS", 15 * 60)
SESSION_ABSOLUTE_TIMEOUT = env_int("HEATWATCH_SESSION_MAX_SECONDS", 12 * 60 * 60)
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_TIMEOUT
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# Rows hold an HMAC of the cookie and encrypted data: a database copy opens no session.
SESSION_ENGINE = "heatwatch.accounts.sessions"

# An administrator's one-time link to set up two-factor authentication lasts this long.
HEATWATCH_ENROLMENT_LINK_HOURS = env_int("HEATWATCH_ENROLMENT_LINK_HOURS", 72)

# Lockout (heatwatch/accounts/lockout.py): 5 failures lock an account from that source only,
# for 10 minutes, doubling on each repeated lockout up to a day; failures against 10 accounts
# from one source, or from 10 sources against one account, within an hour pause those too.
HEATWATCH_LOCKOUT_MINUTES = env_int("HEATWATCH_LOCKOUT_MINUTES", 10)
HEATWATCH_LOCKOUT_MAX_MINUTES = env_int("HEATWATCH_LOCKOUT_MAX_MINUTES", 24 * 60)
HEATWATCH_LOCKOUT_WINDOW_MINUTES = env_int("HEATWATCH_LOCKOUT_WINDOW_MINUTES", 60)
HEATWATCH_LOCKOUT_SOURCE_ACCOUNTS = env_int("HEATWATCH_LOCKOUT_SOURCE_ACCOUNTS", 10)
HEATWATCH_LOCKOUT_ACCOUNT_SOURCES = env_int("HEATWATCH_LOCKOUT_ACCOUNT_SOURCES", 10)
AXES_HANDLER = "heatwatch.accounts.lockout.LockoutHandler"
AXES_FAILURE_LIMIT = env_int("HEATWATCH_LOCKOUT_FAILURES", 5)
AXES_COOLOFF_TIME = "heatwatch.accounts.lockout.cool_off"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# Attempts while locked are neither counted nor extend the lock.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "heatwatch.accounts.lockout.lockout_response"
AXES_USERNAME_CALLABLE = "heatwatch.accounts.lockout.attempted_username"
# axes' "IP address" is the opaque source key of core.ratelimit, never the client's address.
AXES_CLIENT_IP_CALLABLE = "heatwatch.accounts.lockout.source_address"
# Keep only what lockout needs: no log of sign-ins or of failures (addresses, user agents).
AXES_DISABLE_ACCESS_LOG = True
AXES_ENABLE_ACCESS_FAILURE_LOG = False
AXES_VERBOSE = False

OTP_TOTP_ISSUER = env_str("HEATWATCH_PROGRAM_NAME", "Bayview County HEAT Watch")
TWO_FACTOR_PATCH_ADMIN = False
TWO_FACTOR_REMEMBER_COOKIE_AGE = None

# --- security headers --------------------------------------------------------------------------
SECURE_COOKIES = env_bool("HEATWATCH_SECURE_COOKIES", not DEBUG)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = 31536000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
# "preload" only permits submitting the domain to browsers' preload lists; turn it off when the
# program runs on a subdomain of a shared domain that is not all-HTTPS.
SECURE_HSTS_PRELOAD = env_bool("HEATWATCH_HSTS_PRELOAD", True)
SECURE_SSL_REDIRECT = env_bool("HEATWATCH_SSL_REDIRECT", PRODUCTION)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
HEATWATCH_BEHIND_PROXY = env_bool("HEATWATCH_BEHIND_PROXY", False)
if HEATWATCH_BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Rate-limit keying secret shared by several app servers (never stored in the database; unset:
# a random key per server held in memory only). See heatwatch/core/ratelimit.py.
HEATWATCH_RATELIMIT_SECRET = env_secret("HEATWATCH_RATELIMIT_SECRET")
SECURE_REFERRER_POLICY = "no-referrer"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}
# Paths whose responses must never be cached (staff area, CMS, API, tips); every response to a
# signed-in user is also no-store (core.middleware.NoStoreMiddleware).
HEATWATCH_NO_STORE_PREFIXES = (
    "/staff/",
    "/cms/",
    "/api/",
    "/report/",
    "/es/report/",
    # the mailing list's pages show or change a subscriber's data
    "/subscribe/",
    "/es/subscribe/",
    "/unsubscribe/",
    "/es/unsubscribe/",
    # an event registrant's personal link shows and cancels their registration
    "/events/registration/",
    "/es/events/registration/",
    # a training requester's form and personal link
    "/training/request/",
    "/es/training/request/",
)

# --- internationalisation ----------------------------------------------------------------------
_LANGUAGE_NAMES = {"en": _("English"), "es": _("Spanish")}
# A third language is configuration: HEATWATCH_LANGUAGES=en,es,vi (the chrome's translations come
# from heatwatch/locale; page text is translated in the CMS). The first is the default.
LANGUAGES = [
    (code, _LANGUAGE_NAMES.get(code, code))
    for code in env_list("HEATWATCH_LANGUAGES", ["en", "es"])
]
LANGUAGE_CODE = LANGUAGES[0][0]
# Page text in every configured language (Wagtail i18n, translated with wagtail-localize at
# /cms/); a language's pages live under its /<code>/ prefix (docs/site.md).
WAGTAIL_I18N_ENABLED = True
WAGTAIL_CONTENT_LANGUAGES = LANGUAGES
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = env_str("HEATWATCH_TIME_ZONE", "America/Los_Angeles")
USE_TZ = True

# --- static and media --------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
_NODE = BASE_DIR / "node_modules"
STATICFILES_DIRS = [
    (prefix, path)
    for prefix, path in (
        ("uswds", _NODE / "@uswds" / "uswds" / "dist"),
        ("vendor/htmx", _NODE / "htmx.org" / "dist"),
    )
    if path.is_dir()
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = not PRODUCTION
MEDIA_ROOT = Path(env_str("HEATWATCH_MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "/media/"
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- e-mail ------------------------------------------------------------------------------------
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "django.core.mail.backends.filebased.EmailBackend",
)
EMAIL_FILE_PATH = VAR_DIR / "mail"
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_secret("EMAIL_HOST_PASSWORD") or ""
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "heatwatch@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- background tasks --------------------------------------------------------------------------
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# --- Wagtail -----------------------------------------------------------------------------------
WAGTAIL_SITE_NAME = env_str("HEATWATCH_PROGRAM_NAME", "Bayview County HEAT Watch")
# The platform's public address: every absolute link in an e-mail (lib.links.absolute_url);
# the CMS uses it too.
HEATWATCH_BASE_URL = env_str("HEATWATCH_BASE_URL", "http://127.0.0.1:8000")
WAGTAILADMIN_BASE_URL = HEATWATCH_BASE_URL
WAGTAILADMIN_LOGIN_URL = "two_factor:login"
WAGTAIL_FRONTEND_LOGIN_URL = "/staff/account/login/"
# Passwords are managed in the staff area (/staff/account/password/) behind two-factor sign-in;
# Wagtail's own reset-by-e-mail pages would be a second, weaker door.
WAGTAIL_PASSWORD_MANAGEMENT_ENABLED = False
WAGTAIL_PASSWORD_RESET_ENABLED = False
WAGTAIL_ENABLE_UPDATE_CHECK = False
# No avatars from gravatar.com: a third-party request that would leak staff e-mail hashes.
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAIL_ENABLE_WHATS_NEW_BANNER = False
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILIMAGES_EXTENSIONS = ["gif", "jpg", "jpeg", "png", "webp"]
WAGTAILEMBEDS_FINDERS: list[dict[str, object]] = []  # no third-party embeds
# Toolkit documents: checked by content, size-limited and stripped of metadata on upload
# (heatwatch/pages/documents.py, docs/site.md).
WAGTAILDOCS_DOCUMENT_FORM_BASE = "heatwatch.pages.documents.CheckedDocumentForm"
WAGTAILDOCS_EXTENSIONS = ["pdf", "docx", "pptx", "xlsx", "csv", "txt", "mp3", "wav", "png", "jpg"]
HEATWATCH_DOCUMENT_MAX_BYTES = env_int("HEATWATCH_DOCUMENT_MAX_BYTES", 50 * 1024 * 1024)
WAGTAILIMAGES_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
# Every image needs its text alternative (the description) before it is saved.
WAGTAILIMAGES_IMAGE_FORM_BASE = "heatwatch.pages.images.AltTextImageForm"
WAGTAILIMAGES_MAX_IMAGE_PIXELS = 40_000_000

# --- caching: public pages per language, purged on publish (heatwatch/pages/cache.py) -------
HEATWATCH_PAGE_CACHE_SECONDS = env_int("HEATWATCH_PAGE_CACHE_SECONDS", 600)
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    # One per process by default; several app servers share one with a shared backend, e.g.
    # HEATWATCH_PAGE_CACHE_BACKEND=django.core.cache.backends.db.DatabaseCache and
    # HEATWATCH_PAGE_CACHE_LOCATION=heatwatch_page_cache (then `heatwatch createcachetable`).
    "pages": {
        "BACKEND": env_str(
            "HEATWATCH_PAGE_CACHE_BACKEND", "django.core.cache.backends.locmem.LocMemCache"
        ),
        "LOCATION": env_str("HEATWATCH_PAGE_CACHE_LOCATION", "heatwatch-pages"),
        "TIMEOUT": HEATWATCH_PAGE_CACHE_SECONDS,
        "OPTIONS": {"MAX_ENTRIES": 5000},
    },
}

# --- the program (branding; see DESIGN.md §7) --------------------------------------------------
HEATWATCH_PROGRAM = {
    "name": env_str("HEATWATCH_PROGRAM_NAME", "Bayview County HEAT Watch"),
    "area": env_str("HEATWATCH_PROGRAM_AREA", "Bayview County"),
    "tipline_phone": env_str("HEATWATCH_TIPLINE_PHONE", "1-555-0100"),
    "contact_email": env_str("HEATWATCH_CONTACT_EMAIL", "heatwatch@bayview.example"),
}

# --- tip line (issue #3) -------------------------------------------------------------------
# Receipt codes stop working this many days after the tipster's last visit.
HEATWATCH_RECEIPT_TTL_DAYS = env_int("HEATWATCH_RECEIPT_TTL_DAYS", 90)
HEATWATCH_RECEIPT_FAILURES_PER_SOURCE = env_int("HEATWATCH_RECEIPT_FAILURES_PER_SOURCE", 10)
HEATWATCH_RECEIPT_FAILURES_PER_CODE = env_int("HEATWATCH_RECEIPT_FAILURES_PER_CODE", 5)
# Tips per hour from one source before further ones go to the likely-spam queue.
HEATWATCH_TIP_RATE_PER_HOUR = env_int("HEATWATCH_TIP_RATE_PER_HOUR", 5)
# Staff answer a tipster within this many days (alert otherwise).
HEATWATCH_TIP_REPLY_DAYS = env_int("HEATWATCH_TIP_REPLY_DAYS", 7)
# Event registrations per hour from one source before further ones are refused (events).
HEATWATCH_EVENT_REGISTRATIONS_PER_HOUR = env_int("HEATWATCH_EVENT_REGISTRATIONS_PER_HOUR", 10)
# Training requests per hour from one source before further ones are refused (events).
HEATWATCH_TRAINING_REQUESTS_PER_HOUR = env_int("HEATWATCH_TRAINING_REQUESTS_PER_HOUR", 5)
# A place freed for the next person on an event's waitlist is held this many hours (0: at once).
HEATWATCH_EVENT_HOLD_HOURS = env_int("HEATWATCH_EVENT_HOLD_HOURS", 48)
# Registrants' names, e-mails and needs are erased this many days after the event (counts kept).
HEATWATCH_EVENT_PURGE_DAYS = env_int("HEATWATCH_EVENT_PURGE_DAYS", 365)
# A follow-up survey link works this many days.
HEATWATCH_EVENT_SURVEY_LINK_DAYS = env_int("HEATWATCH_EVENT_SURVEY_LINK_DAYS", 30)
# The most places an event may let one registration take.
HEATWATCH_EVENT_MAX_PLACES = env_int("HEATWATCH_EVENT_MAX_PLACES", 20)
# A file of the statute codes charges may cite, one "CODE | description" a line (empty: the
# list shipped in heatwatch/prosecution/data/statutes.txt).
HEATWATCH_PROSECUTION_STATUTES_FILE = env_str("HEATWATCH_PROSECUTION_STATUTES_FILE", "")
# An urgent tip not triaged within this many minutes is escalated.
HEATWATCH_TIP_ESCALATE_MINUTES = env_int("HEATWATCH_TIP_ESCALATE_MINUTES", 60)
# An urgent referral to a law-enforcement agency not acknowledged within this many minutes is
# escalated to the coordinators.
HEATWATCH_TIP_REFERRAL_ACK_MINUTES = env_int("HEATWATCH_TIP_REFERRAL_ACK_MINUTES", 30)
# Closed tips not linked to a case are purged this many days after closing.
HEATWATCH_TIP_RETENTION_DAYS = env_int("HEATWATCH_TIP_RETENTION_DAYS", 365)
# Largest request body accepted on the public tip pages (text and files together).
HEATWATCH_TIP_MAX_BODY_BYTES = env_int("HEATWATCH_TIP_MAX_BODY_BYTES", 30 * 1024 * 1024)

# --- coordinated case response (issue #4) ----------------------------------------------------
HEATWATCH_CASES_NO_CONTACT_DAYS = env_int("HEATWATCH_CASES_NO_CONTACT_DAYS", 14)
HEATWATCH_CASES_REFERRAL_ANSWER_BUSINESS_DAYS = env_int(
    "HEATWATCH_CASES_REFERRAL_ANSWER_BUSINESS_DAYS", 3
)
HEATWATCH_CASES_STABILISATION_HOURS = env_int("HEATWATCH_CASES_STABILISATION_HOURS", 72)
HEATWATCH_CASES_BREAK_GLASS_MINUTES = env_int("HEATWATCH_CASES_BREAK_GLASS_MINUTES", 60)
# Identity candidates at or above this probability must be looked at before a new person.
HEATWATCH_CASES_MATCH_PROBABILITY = env_float("HEATWATCH_CASES_MATCH_PROBABILITY", 0.2)
# Identity lookups one user may run at intake per hour (each is audited; docs/cases.md).
HEATWATCH_CASES_INTAKE_LOOKUPS_PER_HOUR = env_int("HEATWATCH_CASES_INTAKE_LOOKUPS_PER_HOUR", 30)
# An alert not acknowledged this many hours after it was raised is e-mailed to coordinators.
HEATWATCH_CASES_ESCALATE_HOURS = env_int("HEATWATCH_CASES_ESCALATE_HOURS", 48)
# A condition resolved by hand is not raised again for this many days.
HEATWATCH_CASES_RESOLVED_QUIET_DAYS = env_int("HEATWATCH_CASES_RESOLVED_QUIET_DAYS", 7)
# Days of grace after a service-plan review date before the alert.
HEATWATCH_CASES_PLAN_REVIEW_GRACE_DAYS = env_int("HEATWATCH_CASES_PLAN_REVIEW_GRACE_DAYS", 0)
# Hours after a youth goes missing by which the missing-person reports must be recorded.
HEATWATCH_CASES_MISSING_REPORT_HOURS = env_int("HEATWATCH_CASES_MISSING_REPORT_HOURS", 24)
# Alert while a missing episode has been open (youth not back) this long.
HEATWATCH_CASES_MISSING_OPEN_HOURS = env_int("HEATWATCH_CASES_MISSING_OPEN_HOURS", 24)
# MDT meetings: how many cases the proposed agenda holds.
HEATWATCH_MEETINGS_AGENDA_SIZE = env_int("HEATWATCH_MEETINGS_AGENDA_SIZE", 12)

# --- mailing list (issue #14; docs/mailing.md) -------------------------------------------------
# A confirmation link works this many days; unconfirmed addresses are purged after this many.
HEATWATCH_MAILING_CONFIRM_LINK_DAYS = env_int("HEATWATCH_MAILING_CONFIRM_LINK_DAYS", 7)
HEATWATCH_MAILING_PENDING_PURGE_DAYS = env_int("HEATWATCH_MAILING_PENDING_PURGE_DAYS", 30)
# The preference-centre link in each e-mail works this many days (longer than between issues).
HEATWATCH_MAILING_PREFERENCES_LINK_DAYS = env_int("HEATWATCH_MAILING_PREFERENCES_LINK_DAYS", 180)
# Sign-ups per hour from one source; confirmation e-mails per day to one address.
HEATWATCH_MAILING_SUBSCRIBES_PER_HOUR = env_int("HEATWATCH_MAILING_SUBSCRIBES_PER_HOUR", 10)
HEATWATCH_MAILING_CONFIRM_MAILS_PER_DAY = env_int("HEATWATCH_MAILING_CONFIRM_MAILS_PER_DAY", 3)
# Sending: recipients claimed per batch (one SMTP connection each), and how long a claim lasts
# before another worker may take it over (much longer than one SMTP exchange).
HEATWATCH_MAILING_BATCH_SIZE = env_int("HEATWATCH_MAILING_BATCH_SIZE", 100)
HEATWATCH_MAILING_CLAIM_LEASE_MINUTES = env_int("HEATWATCH_MAILING_CLAIM_LEASE_MINUTES", 15)
# Messages a second one worker hands to SMTP (0: as fast as the server takes them).
HEATWATCH_MAILING_RATE_PER_SECOND = env_float("HEATWATCH_MAILING_RATE_PER_SECOND", 0.0)
# The VERP envelope sender's base, e.g. bounces@bayview.example (empty: the From address).
HEATWATCH_MAILING_BOUNCE_ADDRESS = env_str("HEATWATCH_MAILING_BOUNCE_ADDRESS", "")
# DKIM signing (all three, or none): the domain (d=), the selector (s=), the PEM private key.
HEATWATCH_MAILING_DKIM_DOMAIN = env_str("HEATWATCH_MAILING_DKIM_DOMAIN", "")
HEATWATCH_MAILING_DKIM_SELECTOR = env_str("HEATWATCH_MAILING_DKIM_SELECTOR", "")
HEATWATCH_MAILING_DKIM_PRIVATE_KEY = env_secret("HEATWATCH_MAILING_DKIM_PRIVATE_KEY") or ""
# Soft bounces within the window (days) that suppress an address.
HEATWATCH_MAILING_SOFT_BOUNCE_LIMIT = env_int("HEATWATCH_MAILING_SOFT_BOUNCE_LIMIT", 3)
HEATWATCH_MAILING_SOFT_BOUNCE_WINDOW_DAYS = env_int("HEATWATCH_MAILING_SOFT_BOUNCE_WINDOW_DAYS", 30)
# E-mail the coordinators when someone confirms a subscription (never the address).
HEATWATCH_MAILING_NOTIFY_COORDINATORS = env_bool("HEATWATCH_MAILING_NOTIFY_COORDINATORS", False)
# Publish a refreshed statistics snapshot without a coordinator's review when it passes the
# attacker test (docs/insights.md).
HEATWATCH_INSIGHTS_AUTO_PUBLISH = env_bool("HEATWATCH_INSIGHTS_AUTO_PUBLISH", False)

# --- logging: no IP addresses or user agents, ever ---------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # SafeFormatter escapes control characters: a crafted path cannot forge a log line.
    "formatters": {
        "plain": {
            "()": "heatwatch.lib.logsafe.SafeFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
        }
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        # django.request logs the request object on errors; the default handlers are replaced
        # so no request metadata (and no mail to ADMINS with request headers) leaves the app.
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
        "django.server": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        # The PDF renderer logs every step at INFO; only its warnings matter.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# security.W003 looks for Django's CSRF middleware by name; ours is a subclass of it
# (heatwatch/core/csrf.py) and the tests check that every form needs a token.
SILENCED_SYSTEM_CHECKS = ["security.W003"]
