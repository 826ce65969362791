# The production image: gunicorn serves the console, the same image runs the Celery worker.
FROM python:3.12-slim

# PYTHONPATH: every process (manage.py, gunicorn, celery) imports the project from /app, the
# copy beside templates/ and static/, never the one `pip install .` put in site-packages;
# `celery -A` by itself puts the working directory on sys.path only while it finds the app.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app

WORKDIR /app

# Dependencies first, in their own layer: a code change doesn't reinstall them. The runtime
# lock (`make lock`): exact versions, each file checked against its hash.
COPY requirements/base.txt ./requirements/base.txt
RUN pip install --require-hashes -r requirements/base.txt

COPY . .
RUN pip install --no-deps . \
    && rm -rf build *.egg-info

# Hashed, compressed static files are part of the image (WhiteNoise serves them). The key
# only lets settings load during the build; it is not in the image's environment.
RUN SECRET_KEY=build-only-not-a-secret python manage.py collectstatic --noinput

# Nothing in /app is writable by the process that serves it.
# ...except the KYB documents' directory (a volume in docker-compose.yml).
RUN useradd --system --create-home --uid 10001 console \
    && mkdir -p /var/lib/console && chown console /var/lib/console
ENV CONSOLE_PRIVATE_ROOT=/var/lib/console
USER console

EXPOSE 8000
# docker-compose.yml gives web and worker their own commands; this is the web's.
CMD ["sh", "-c", "python manage.py migrate --noinput && exec gunicorn console.wsgi:application --bind 0.0.0.0:8000 --workers 3 --forwarded-allow-ips='*'"]
