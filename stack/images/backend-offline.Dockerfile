# The replica image without a registry (built by `make images-offline`, see src/harness/images.py):
# a debootstrap-made Debian base plus a wheelhouse downloaded on the host, because pip inside
# a build cannot reach the package index here (containers do not trust the host's TLS setup).
ARG BASE
FROM ${BASE}
COPY wheels /tmp/wheels
COPY requirements.txt /app/
RUN python3 -m venv /opt/venv \
 && /opt/venv/bin/pip install --no-index --find-links /tmp/wheels -r /app/requirements.txt \
 && rm -rf /tmp/wheels /root/.cache
ENV PATH=/opt/venv/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
WORKDIR /app
COPY app.py serve.py ./
ENTRYPOINT ["python", "serve.py"]
CMD ["--host", "0.0.0.0", "--port", "8000", "--control-port", "9000"]
