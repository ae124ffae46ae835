# Installs Debian packages without root, the way tests/TestSupport/PrometheusTools.cs installs prometheus:
# `apt-get download` and `dpkg -x` into a cache folder, plus every dependency (transitively) that the machine does not
# already have installed. Sourced by bench/run.sh and bench/profile.sh.

# The cache is per machine, shared by every run: the packages are unpacked once.
BENCH_TOOLS_DIR="${BENCH_TOOLS_DIR:-${TMPDIR:-/tmp}/meshproxy-bench-tools}"

# Prints the packages PKG depends on (first alternative of each dependency), without recommends or suggests.
_deb_depends() {
  apt-cache depends --no-recommends --no-suggests --no-conflicts --no-breaks --no-replaces --no-enhances "$1" 2>/dev/null \
    | awk '/^ *\|?(Pre)?Depends:/ { gsub(/[<>]/, "", $2); print $2 }' | sort -u
}

_deb_installed() {
  [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]
}

# deb_install PKG BINARY: makes $BENCH_TOOLS_DIR/root/usr/bin/BINARY exist (or .../usr/sbin/BINARY).
deb_install() {
  local pkg="$1" binary="$2" root="$BENCH_TOOLS_DIR/root"
  if [ -x "$root/usr/bin/$binary" ] || [ -x "$root/usr/sbin/$binary" ]; then
    return 0
  fi
  mkdir -p "$BENCH_TOOLS_DIR"
  (
    # Several runs may install at once; one at a time.
    flock 9
    if [ -x "$root/usr/bin/$binary" ] || [ -x "$root/usr/sbin/$binary" ]; then
      exit 0
    fi
    local downloads="$BENCH_TOOLS_DIR/deb-$pkg"
    rm -rf "$downloads" && mkdir -p "$downloads"
    # A fresh container has no package lists yet: without them the dependencies below would resolve to nothing, and
    # the package would be unpacked without the libraries it needs (haproxy without liblua5.3).
    if ! apt-cache show "$pkg" >/dev/null 2>&1; then
      apt-get update >/dev/null 2>&1 || true
    fi
    # The closure of dependencies that are not installed on this machine.
    local todo=("$pkg") seen=" " want=()
    while [ "${#todo[@]}" -gt 0 ]; do
      local p="${todo[0]}"; todo=("${todo[@]:1}")
      case "$seen" in *" $p "*) continue ;; esac
      seen="$seen$p "
      if [ "$p" != "$pkg" ] && _deb_installed "$p"; then
        continue
      fi
      want+=("$p")
      local d
      for d in $(_deb_depends "$p"); do todo+=("$d"); done
    done
    echo "bench: installing ${want[*]} into $root (no root needed)" >&2
    (cd "$downloads" && apt-get download "${want[@]}" >/dev/null 2>"$downloads/err") || { cat "$downloads/err" >&2; exit 1; }
    local staging="$root.staging-$pkg"
    rm -rf "$staging" && mkdir -p "$staging"
    local deb
    for deb in "$downloads"/*.deb; do dpkg -x "$deb" "$staging"; done
    # Merged into place only when complete, so an interrupted install is redone rather than half used.
    mkdir -p "$root" && cp -a "$staging"/. "$root"/ && rm -rf "$staging" "$downloads"
  ) 9>"$BENCH_TOOLS_DIR/.lock"
}

# The library path that binaries unpacked by deb_install need (their unpacked libraries first).
deb_libpath() {
  local root="$BENCH_TOOLS_DIR/root"
  echo "$root/usr/lib/x86_64-linux-gnu:$root/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
}

deb_bin() {
  local root="$BENCH_TOOLS_DIR/root"
  if [ -x "$root/usr/sbin/$1" ]; then echo "$root/usr/sbin/$1"; else echo "$root/usr/bin/$1"; fi
}

# dotnet_tool NAME [PACKAGE [VERSION]]: installs a dotnet global tool (dotnet-trace, dotnet-counters; the command
# sharpfuzz from the package SharpFuzz.CommandLine) into the cache, prints its path.
dotnet_tool() {
  local dir="$BENCH_TOOLS_DIR/dotnet-tools" package="${2:-$1}" version=()
  [ -n "${3:-}" ] && version=(--version "$3")
  if [ ! -x "$dir/$1" ]; then
    mkdir -p "$dir"
    ( flock 9; [ -x "$dir/$1" ] || dotnet tool install --tool-path "$dir" "$package" "${version[@]}" >&2 ) 9>"$BENCH_TOOLS_DIR/.dotnet-lock"
  fi
  echo "$dir/$1"
}
