# syntax=docker/dockerfile:1
# The mock server as a small static image: built with the Go toolchain, run
# from distroless (no shell, no package manager) as a non-root user.

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# The image has no .git: stamp the version and the commit instead
# (docker build --build-arg VERSION=v1.2.0 --build-arg COMMIT=$(git rev-parse HEAD) .).
ARG VERSION
ARG COMMIT
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w \
      -X github.com/partifact/mockserver/internal/version.Version=${VERSION} \
      -X github.com/partifact/mockserver/internal/version.Commit=${COMMIT}" \
      -o /out/mockserver ./cmd/mockserver

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/mockserver /mockserver
USER nonroot:nonroot
ENV ADDR=:8080
EXPOSE 8080
# The image has no curl: the binary checks itself.
HEALTHCHECK --interval=10s --timeout=5s --start-period=10s --retries=3 CMD ["/mockserver", "healthcheck"]
ENTRYPOINT ["/mockserver"]
