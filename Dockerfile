# syntax=docker/dockerfile:1
# MeshProxy sidecar image: docker build -t meshproxy:0.1.0 .
# The sidecar ships as a Native AOT executable: warm from its first request, about half the memory of the JIT build,
# no .NET runtime in the image. tests/MeshProxy.FunctionalTests/Deployment/PublishTests.cs holds this file's publish
# command; bench/aot-smoke.sh runs it (zero trim/AOT warnings, then one gRPC and one REST call through the binary).

# 1. Build with the .NET 10 SDK. Native AOT links with clang against zlib (its prerequisites on Linux), which the SDK
#    image lacks. Project files first, so `dotnet restore` stays cached until a dependency changes.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
RUN apt-get update \
    && apt-get install -y --no-install-recommends clang zlib1g-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY global.json Directory.Build.props Directory.Build.targets Directory.Packages.props .editorconfig ./
COPY proxy/MeshProxy/MeshProxy.csproj proxy/MeshProxy/
COPY proxy/MeshProxy.Grpc/MeshProxy.Grpc.csproj proxy/MeshProxy.Grpc/
COPY protos/MeshProxy.Protos.csproj protos/
# The sample backends stay out of the image: they serve `meshproxy demo` on a developer machine, not production.
RUN dotnet restore proxy/MeshProxy/MeshProxy.csproj -r linux-x64 -p:PublishAot=true -p:IncludeSampleBackends=false
COPY . .
RUN dotnet publish proxy/MeshProxy -c Release -r linux-x64 -p:PublishAot=true -o /app -p:IncludeSampleBackends=false

# 2. Run on the chiseled runtime-deps image (libc and OpenSSL only: the executable carries its own runtime): no shell,
#    no package manager. Non-root as UID 64198 (the chart's runAsUser); HOME points at /tmp since that user has no
#    home directory. The native debug symbols (meshproxy.dbg) stay in the build stage.
FROM mcr.microsoft.com/dotnet/runtime-deps:10.0-noble-chiseled AS runtime
WORKDIR /app
COPY --from=build /app/meshproxy /app/descriptor-set.pb ./
# Read-only root filesystem: no diagnostics IPC socket or dumps, and any temporary file goes to /tmp (an emptyDir).
# The shared ArrayPool keeps 256 arrays per size and core instead of 32: YARP's body copies rent a 64 KiB buffer per
# call and direction, and at a few hundred calls in flight the default pool overflows, so each call allocated fresh
# 64 KiB arrays (64 KB per call -> 12 KB, GC pause 40 % -> 8 %; docs/benchmarks.md, "Request path: after ...").
# A 16 MiB gen0 budget (bare hexadecimal: the Native AOT runtime ignores a 0x prefix) instead of one sized from the
# node's L3 cache, so it is the same on every node. At a few hundred calls in flight a 4 MiB budget promoted the calls
# under way at each collection and ran a gen1 collection every ~75 ms; 16 MiB took the GC from 8.7 to 5.0 % of the
# CPU, and the idle trim leaves the same 22 MiB after a saturating run (docs/benchmarks.md, "The gen0 budget, by
# perf"). 1 MiB GC regions instead of 4: each generation
# holds whole regions, so a small heap commits less (1.5 MiB after a saturating run, 1-4 MiB after 1,000 streams;
# docs/benchmarks.md, "Memory given back within seconds").
ENV DOTNET_EnableDiagnostics=0 \
    DOTNET_SYSTEM_BUFFERS_SHAREDARRAYPOOL_MAXARRAYSPERPARTITION=256 \
    DOTNET_GCgen0size=1000000 \
    DOTNET_GCRegionSize=100000 \
    TMPDIR=/tmp \
    HOME=/tmp
USER 64198
# gRPC (h2c), REST, ops (probes), admin (loopback-only inside the pod).
EXPOSE 7070 8080 9901 9900
ENTRYPOINT ["/app/meshproxy"]
CMD ["run", "--config", "/etc/meshproxy/meshproxy.yaml"]
