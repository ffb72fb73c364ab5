"""Settings, read from the environment. Development defaults; see settings_production.py.

Environment:
    DATABASE_URL   postgres://user@host:port/db  (required; `make run` provides one)
    REDIS_URL      redis://host:port/0            (required; `make run` provides one)
    SECRET_KEY     required in production
    DEBUG          "1" for development pages and tracebacks
    ALLOWED_HOSTS  comma-separated
    DEMO_MODE      "1" shows the demo logins on the login page
    TRUSTED_PROXIES  comma-separated proxy addresses/networks whose X-Forwarded-For counts
"""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab

from aftercare._env import env, env_bool, env_list

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = env("SECRET_KEY", "dev-only-insecure-key-do-not-use-in-production-0123456789abcdef")
# Minors' identity numbers and guardians' mobiles are encrypted at rest (aftercare.crypto):
# "id:base64(32 bytes),..." (the first encrypts) and the key of the searchable hash.
FIELD_ENCRYPTION_KEYS = env_list(
    "FIELD_ENCRYPTION_KEYS", "dev:ZGV2LW9ubHktZmllbGQta2V5LW5vdC1mb3ItcHJvZCE="
)
BLIND_INDEX_KEY = env("BLIND_INDEX_KEY", "dev-only-blind-index-key-not-for-production")
DEBUG = env_bool("DEBUG", True)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")
DEMO_MODE = env_bool("DEMO_MODE", DEBUG)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_htmx",
    "django_celery_beat",
    "import_export",
    "axes",
    "csp",
    "aftercare",
    "plans",
    "institutions",
    "enrollment",
    "scheduling",
    "safety",
    "attendance",
    "feedback",
    "billing",
    "reporting",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "aftercare.tenancy.ScopeMiddleware",
    # Row-level security's tenant context: the request's districts (aftercare/db_security.py).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "aftercare.urls"
WSGI_APPLICATION = "aftercare.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "aftercare.context_processors.navigation",
            ],
            # Per-language date and list formats on every page: |day, |join_list.
            "builtins": ["aftercare.templatetags.aftercare_tags"],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", "postgres://postgres@127.0.0.1:55432/aftercare"),
        conn_max_age=int(env("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
# A PostgreSQL streaming replica for dashboards, exports and reports (aftercare/db_router.py):
# reads of those pages go there when it is set, to the primary otherwise; writes never do.
if env("DATABASE_REPLICA_URL", ""):
    DATABASES["replica"] = dj_database_url.parse(
        env("DATABASE_REPLICA_URL"),
        conn_max_age=int(env("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
    DATABASES["replica"]["OPTIONS"] = {"connect_timeout": 3}
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["aftercare.db_router.ReplicaRouter"]
# Least privilege (aftercare/db_security.py): the app acts as DATABASE_APP_ROLE (connecting as
# it, or by SET ROLE when DATABASE_URL names a privileged user); `migrate` runs as the owner,
# DATABASE_OWNER_URL's user when set. An empty DATABASE_APP_ROLE switches this off.
DATABASE_OWNER_URL = env("DATABASE_OWNER_URL", "")
DATABASE_APP_ROLE = env("DATABASE_APP_ROLE", "aftercare_app")
REPLICA_RETRY_SECONDS = int(env("REPLICA_RETRY_SECONDS", "30"))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "aftercare.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "aftercare.auth.MobileOrUsernameBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Reverse proxies whose X-Forwarded-For is believed (addresses or CIDR networks, comma-
# separated); empty: REMOTE_ADDR is the client. See aftercare/net.py.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", "")

# Login throttling (django-axes): 5 failures per user name and address lock for 15 minutes.
AXES_FAILURE_LIMIT = int(env("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(env("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "aftercare.auth.lockout_response"
AXES_CLIENT_IP_CALLABLE = "aftercare.net.client_ip"
AXES_VERBOSE = False

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env("STATIC_ROOT", str(BASE_DIR / "staticfiles")))  # collectstatic's output
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
if DEBUG:
    STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
# Uploads (vetting documents) live outside the web root: nothing serves MEDIA_ROOT by URL;
# views that check who asks stream the files (scheduling.views.staff.vetting_document).
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(BASE_DIR / ".data" / "media")))

REDIS_URL = env("REDIS_URL", "redis://127.0.0.1:56379/0")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "aftercare",
    }
}

# Celery: Redis broker and result backend, beat schedule kept in the database.
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_EXPIRES = 3600
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Side effects (inbox, SMS) have a queue of their own: a long billing run never delays a
# sign-up code. Workers consume both (`celery worker -Q celery,notifications`).
NOTIFICATIONS_QUEUE = "notifications"  # aftercare.notifications dispatches to it
# "scheduling": a district's semester of sessions (scheduling.tasks) never delays a message.
# "billing": semester billing, settlement, gateway calls and receipt PDFs (billing.jobs).
# "reporting": a district's rollups and compliance alerts, nightly and on demand (reporting.jobs).
# /health/ checks each queue.
WORKER_QUEUES = ["celery", NOTIFICATIONS_QUEUE, "scheduling", "billing", "reporting"]
CELERY_BEAT_SCHEDULE = {
    # The dashboard's rollups and the compliance alerts of every district, at night.
    "reporting-nightly": {
        "task": "reporting.nightly",
        "schedule": crontab(hour=2, minute=10),
        "options": {"queue": "reporting"},
    },
    "heartbeat": {"task": "aftercare.heartbeat", "schedule": 30.0},
    "redispatch-messages": {"task": "aftercare.redispatch_messages", "schedule": 60.0},
    "expire-waitlist-offers": {"task": "enrollment.expire_offers", "schedule": 60.0},
    "alert-open-groups": {"task": "attendance.alert_open_groups", "schedule": 300.0},
    # Families who have not answered an evaluation closing within three days (feedback).
    "evaluation-reminders": {
        "task": "feedback.remind_closing",
        "schedule": crontab(hour=19, minute=0),
    },
    # Withdrawals to refund; orders and refunds whose gateway notification never came.
    "billing-reconcile": {
        "task": "billing.reconcile",
        "schedule": 60.0,
        "options": {"queue": "billing"},
    },
    # Billing runs whose worker died: resumed from their cursor.
    "billing-resume-runs": {
        "task": "billing.resume_runs",
        "schedule": 60.0,
        "options": {"queue": "billing"},
    },
    # Expired API tokens, and tokens of a password since changed (aftercare.services.tokens).
    "purge-dead-tokens": {"task": "aftercare.purge_dead_tokens", "schedule": 24 * 3600.0},
    "purge-stale-sign-up-records": {
        "task": "enrollment.purge_stale_records",
        "schedule": 24 * 3600.0,
    },
}
WAITLIST_OFFER_HOURS = int(env("WAITLIST_OFFER_HOURS", "24"))
# A worker heartbeat older than this makes /health/ report the scheduler as stale.
HEALTH_HEARTBEAT_MAX_AGE = 120

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "aftercare.auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # django-filter's, refusing a bad boolean instead of ignoring it (aftercare/filters.py).
    "DEFAULT_FILTER_BACKENDS": ["aftercare.filters.StrictFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "aftercare.api_conf.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "aftercare.api_conf.exception_handler",
    # JSON that cannot 500 (aftercare/parsers.py); forms and uploads as DRF's defaults.
    "DEFAULT_PARSER_CLASSES": [
        "aftercare.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_THROTTLE_RATES": {"login": "10/min"},
    # Throttles take the client address from aftercare.net (aftercare.throttling); a stock
    # DRF throttle then still never believes X-Forwarded-For.
    "NUM_PROXIES": 0,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Aftercare API",
    "DESCRIPTION": (
        "课后服务管理平台 API. Errors share one shape: "
        '{"error": {"code": "...", "message": "...", "fields": {...}}}.'
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Every operation's error answers documented (aftercare/schema.py).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "aftercare.schema.document_errors",
    ],
    "ENUM_NAME_OVERRIDES": {
        "SeatStatusEnum": "enrollment.models.registration.SeatStatus",
        "PriorityGroupEnum": "enrollment.models.registration.PriorityGroup",
        "ApplicationStatusEnum": "enrollment.models.registration.ApplicationStatus",
        "ApplicationEventEnum": "enrollment.models.history.ApplicationEvent",
        "BindingStatusEnum": "enrollment.models.roster.BindingStatus",
        "GuardianRelationEnum": "enrollment.models.roster.Relation",
        "PlanStatusEnum": "plans.models.plans.PlanStatus",
        "InstitutionStatusEnum": "scheduling.models.staff.InstitutionStatus",
        "StaffKindEnum": "scheduling.models.staff.StaffKind",
        "VettingStepEnum": "scheduling.models.staff.VettingStep",
        "DutyRoleEnum": "scheduling.models.groups.DutyRole",
        "GroupKindEnum": "scheduling.models.groups.GroupKind",
        "SessionStatusEnum": "scheduling.models.sessions.SessionStatus",
        "WeekdayEnum": "aftercare.models.core.WEEKDAYS",
        "RegisterOutcomeEnum": ["confirmed", "waitlisted", "entered"],
        "AttendanceMarkStatusEnum": "attendance.models.roll.MarkStatus",
        "LeaveStatusEnum": "attendance.models.leave.LeaveStatus",
        "LeaveReasonEnum": "attendance.models.leave.LeaveReason",
        "PickupRelationEnum": "attendance.models.pickup.PickupRelation",
        "HandoverStatusEnum": "attendance.models.pickup.HandoverStatus",
        "HandoverFaultEnum": "attendance.models.pickup.Fault",
        "StaffAttendanceStatusEnum": "attendance.models.staff.StaffStatus",
        "StaffAttendanceSourceEnum": "attendance.models.staff.StaffAttendanceSource",
        "FollowUpKindEnum": "attendance.models.followup.FollowUpKind",
        "InvoiceStatusEnum": "billing.models.invoices.InvoiceStatus",
        "InvoiceKindEnum": "billing.models.invoices.InvoiceKind",
        "BillingRunStatusEnum": "billing.models.invoices.RunStatus",
        "BillingRunKindEnum": "billing.models.invoices.RunKind",
        "InvoiceLineServiceEnum": "billing.models.invoices.LineService",
        "PaymentOrderStatusEnum": "billing.models.payments.OrderStatus",
        "RefundStatusEnum": "billing.models.payments.RefundStatus",
        "RefundReasonEnum": "billing.models.payments.RefundReason",
        "ExemptionStatusEnum": "billing.models.exemptions.ExemptionStatus",
        "PayoutBasisEnum": "billing.models.payouts.PayBasis",
        "PayoutRateUnitEnum": "billing.models.payouts.RateUnit",
        "IncidentDecisionEnum": "billing.models.payouts.IncidentDecision",
        "EvaluationQuestionKindEnum": "feedback.models.evaluations.QuestionKind",
        "EvaluationQuestionAboutEnum": "feedback.models.evaluations.QuestionAbout",
        "ComplaintCategoryEnum": "feedback.models.complaints.ComplaintCategory",
        "IncidentKindEnum": "safety.models.IncidentKind",
        "IncidentSeverityEnum": "safety.models.IncidentSeverity",
        "ComplaintOutcomeEnum": "feedback.models.complaints.ComplaintOutcome",
    },
}

# Content security policy: everything is served from this origin (no CDNs).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "style-src": ["'self'"],
        "script-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

SESSION_COOKIE_AGE = 60 * 60 * 24 * 14
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}

# API tokens expire this many days after login (aftercare.services.tokens).
API_TOKEN_TTL_DAYS = int(env("API_TOKEN_TTL_DAYS", "30"))

# Uploads are refused while they stream in, past their route's limit (aftercare/uploads.py);
# routes without their own limit take this one.
MAX_UPLOAD_MB = int(env("MAX_UPLOAD_MB", "25"))
FILE_UPLOAD_HANDLERS = [
    "aftercare.uploads.SizeLimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

SMS_BACKEND = env("SMS_BACKEND", "aftercare.sms.LoggingBackend")
SMS_IP_LIMIT_PER_HOUR = int(env("SMS_IP_LIMIT_PER_HOUR", "60"))
