# claimgrade container image.
#
#   docker build -t claimgrade .
#   docker run --rm -p 8080:8080 -e DATABASE_URL=postgres://... claimgrade
#
# Stage 1 builds a static (CGO-free) binary; the SQLite driver is pure Go.
# GO_VERSION follows the `go` line of go.mod (1.26.x); the official image sets
# GOTOOLCHAIN=local, so the tag must be at least go.mod's patch release.
ARG GO_VERSION=1.26

FROM golang:${GO_VERSION}-bookworm AS build
WORKDIR /src
ENV CGO_ENABLED=0
# Dependencies first, so this layer is cached until go.mod/go.sum change.
COPY go.mod go.sum ./
RUN go mod download && go mod verify
COPY . .
RUN go build -trimpath -ldflags="-s -w" -o /out/claimgrade . \
 && mkdir -p /out/data

# Stage 2: distroless, no shell, runs as nonroot (uid/gid 65532).
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/claimgrade /claimgrade
# Working directory writable by the nonroot user: without DATABASE_URL the app
# uses the SQLite file ./claimgrade.db, i.e. /data/claimgrade.db. Mount a
# volume on /data to keep it (or set DATABASE_URL=postgres://...).
COPY --from=build --chown=65532:65532 /out/data /data
WORKDIR /data
USER 65532:65532
ENV ADDR=:8080
EXPOSE 8080
# No HEALTHCHECK: distroless has no shell, curl or wget to probe /healthz.
# Orchestrators should probe GET /healthz (liveness) and GET /readyz (DB ping)
# over HTTP; docker-compose.yml gates startup on the db healthcheck and on the
# one-shot migrate service instead.
ENTRYPOINT ["/claimgrade"]
CMD ["serve"]
