# syntax=docker/dockerfile:1
# MeshProxy sidecar image: docker build -t meshproxy:0.1.0 .
# The publish command below is also run by CI as plain `dotnet publish` (tests/MeshProxy.FunctionalTests/Deployment/
# PublishTests.cs), which checks that it stays identical to this file's and that the output starts and serves.

# 1. Build with the .NET 10 SDK. Project files first, so `dotnet restore` stays cached until a dependency changes.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Build.targets Directory.Packages.props .editorconfig ./
COPY proxy/MeshProxy/MeshProxy.csproj proxy/MeshProxy/
COPY proxy/MeshProxy.Grpc/MeshProxy.Grpc.csproj proxy/MeshProxy.Grpc/
COPY protos/MeshProxy.Protos.csproj protos/
# The sample backends stay out of the image: they serve `meshproxy demo` on a developer machine, not production.
RUN dotnet restore proxy/MeshProxy/MeshProxy.csproj -p:IncludeSampleBackends=false
COPY . .
RUN dotnet publish proxy/MeshProxy -c Release -o /app -p:IncludeSampleBackends=false

# 2. Run on the chiseled ASP.NET 10 runtime: no shell, no package manager. Non-root as UID 64198 (the chart's
#    runAsUser); HOME points at /tmp since that user has no home directory.
FROM mcr.microsoft.com/dotnet/aspnet:10.0-noble-chiseled AS runtime
WORKDIR /app
COPY --from=build /app ./
# Read-only root filesystem: no diagnostics IPC socket or dumps, and any temporary file goes to /tmp (an emptyDir).
ENV DOTNET_EnableDiagnostics=0 \
    TMPDIR=/tmp \
    HOME=/tmp
USER 64198
# gRPC (h2c), REST, ops (probes), admin (loopback-only inside the pod).
EXPOSE 7070 8080 9901 9900
ENTRYPOINT ["dotnet", "/app/meshproxy.dll"]
CMD ["run", "--config", "/etc/meshproxy/meshproxy.yaml"]
