# Stands in for the official redis image on a machine that reaches no image registry: Debian's
# Redis, listening on the container network as that image does. Used by `make deploy-check` only.
ARG BASE_IMAGE
FROM ${BASE_IMAGE}
RUN apt-get update \
    && apt-get install -y --no-install-recommends redis-server \
    && rm -rf /var/lib/apt/lists/* \
    && mkdir -p /data && chown redis:redis /data
WORKDIR /data
USER redis
COPY redis-entrypoint.sh /usr/local/bin/redis-entrypoint
ENTRYPOINT ["redis-entrypoint"]
