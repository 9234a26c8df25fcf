"""The reference for the benchmarks: the smallest Django project that answers a request."""

SECRET_KEY = "benchmark-reference-only"
DEBUG = False
ALLOWED_HOSTS = ["*"]
ROOT_URLCONF = "tests.benchmarks.hello.urls"
INSTALLED_APPS = []
MIDDLEWARE = []
DATABASES = {}
USE_TZ = True
