# The console's container image (docs/deploy.md).
#
#   docker build -t console .                      # from the public .NET images
#   scripts/console-image.sh --tag console         # where nothing can be pulled: local bases from this machine's .NET
#
# The console listens on port 8080 on all addresses, so it refuses to start until a user or an
# API key exists (docs/security.md). Create the first admin once, on the data volume:
#
#   docker run --rm -v console-data:/data console --bootstrap-admin alice   # prints a one-time password and an admin key
#   docker run -d --name console -p 8080:8080 -v console-data:/data console
#
# A standalone worker from the same image (a worker key: docs/security.md):
#
#   docker run -d -e CONSOLE_API_URL=http://console:8080 -e CONSOLE_API_KEY=cx_... -v worker-data:/data \
#     --entrypoint cx console worker start --pool my-pool
#
# The classic builder and BuildKit both build it (no BuildKit-only syntax).

ARG SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0
ARG RUNTIME_IMAGE=mcr.microsoft.com/dotnet/aspnet:10.0

FROM ${SDK_IMAGE} AS build
# Empty: packages come from nuget.org. scripts/console-image.sh sets /packages, the folder feed it
# puts in the context (.nuget-feed/) for builds that cannot reach nuget.org.
ARG NUGET_SOURCE=
WORKDIR /src
# Restore in a layer of its own: it is reused until a project file or a package version changes.
# (The wildcard copies the feed's contents when it exists and nothing when it does not.)
COPY Directory.Packages.props .nuget-fee[d] /packages/
COPY global.json Directory.Build.props Directory.Packages.props ./
COPY Console.Contracts/Console.Contracts.csproj Console.Contracts/
COPY Console.Projects/Console.Projects.csproj Console.Projects/
COPY Console.Core/Console.Core.csproj Console.Core/
COPY Console.Worker/Console.Worker.csproj Console.Worker/
COPY Console.Web/Console.Web.csproj Console.Web/
COPY Console.Cli/Console.Cli.csproj Console.Cli/
RUN dotnet restore Console.Web/Console.Web.csproj ${NUGET_SOURCE:+--source "$NUGET_SOURCE"} \
 && dotnet restore Console.Cli/Console.Cli.csproj ${NUGET_SOURCE:+--source "$NUGET_SOURCE"}
COPY .editorconfig appsettings.json ./
COPY wwwroot/ wwwroot/
COPY Console.Contracts/ Console.Contracts/
COPY Console.Projects/ Console.Projects/
COPY Console.Core/ Console.Core/
COPY Console.Worker/ Console.Worker/
COPY Console.Web/ Console.Web/
COPY Console.Cli/ Console.Cli/
# The published folder is the app's content root: appsettings.json and the top-level wwwroot/
# beside the framework's and MudBlazor's assets (_framework/, _content/). No --no-restore: the SDK
# adds the package with _framework/blazor.web.js only once it sees the Razor components, so the
# restore above (project files alone) lacks it and this one tops it up.
RUN dotnet publish Console.Web/Console.Web.csproj -c Release -o /app -p:UseAppHost=false ${NUGET_SOURCE:+--source "$NUGET_SOURCE"} \
 && test -f /app/wwwroot/_framework/blazor.web.js
# The CLI rides along for standalone workers: the same image runs `cx worker start --pool P`.
RUN dotnet publish Console.Cli/Console.Cli.csproj -c Release --no-restore -o /app/cli -p:UseAppHost=false

FROM ${RUNTIME_IMAGE} AS runtime
# The public aspnet image and the local base both define APP_UID (1654, user `app`).
ARG APP_UID=1654
# git, for workers that pull a flow's code (gitClone pull steps, docs/decisions/0009-git-pull-steps.md):
# from apt on the public image, without what it only recommends; the local base already carries
# the host's. Either way the build fails here rather than the first run that needs it.
RUN if command -v apt-get >/dev/null 2>&1; then \
        apt-get update && apt-get install -y --no-install-recommends git && rm -rf /var/lib/apt/lists/*; \
    fi \
 && git --version
WORKDIR /app
COPY --from=build /app ./
# The database, the embedded worker's state and the sign-in keys live on the volume, owned by
# the app's user and nobody else.
RUN mkdir -p /data && chown "$APP_UID:$APP_UID" /data && chmod 700 /data \
 && mkdir -p /usr/local/bin && printf '#!/bin/sh\nexec dotnet /app/cli/cx.dll "$@"\n' >/usr/local/bin/cx && chmod 755 /usr/local/bin/cx
ENV ASPNETCORE_HTTP_PORTS=8080 \
    ConnectionStrings__Console="Data Source=/data/console.db" \
    Worker__StateDirectory=/data/worker \
    Worker__WorkingDirectory=/tmp \
    Security__KeysDirectory=/data/keys
VOLUME /data
EXPOSE 8080
USER $APP_UID
# The image has no curl or wget: the app probes its own /healthz (on the port it listens on).
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 \
    CMD ["dotnet", "/app/Console.Web.dll", "--health-check"]
ENTRYPOINT ["dotnet", "/app/Console.Web.dll"]
