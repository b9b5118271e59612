#!/usr/bin/env bash
# Build the simulator container image: FROM scratch, ros-sim and nft with the libraries they link.
# It is NOT RouterOS: the router is ros-sim, the simulator (see sim/FIDELITY.md).
#
#   build.sh TAG [--ros-sim PATH] [--version V] [--latest-version V] [--label KEY=VALUE]...
#
# --ros-sim defaults to $CARGO_TARGET_DIR (else ./target)/debug/ros-sim; --version (default
# 7.23.7) is the RouterOS version it simulates; --latest-version (default 7.24.4, '' for an
# offline router) is what its simulated upgrade server offers. Every --label is put on the image
# (tests label what they build, so that a killed run's images are found and removed).
# The container runs `ros-sim --address 0.0.0.0 --enforce-firewall`: it needs CAP_NET_ADMIN, and
# then enforces /ip firewall filter with nftables inside the container's own network namespace.
set -euo pipefail

prog=$(basename "$0")
die() { echo "$prog: error: $*" >&2; exit 1; }
step() { printf '%s: [%3ss] %s\n' "$prog" "$SECONDS" "$*"; }
usage() {
    sed -n '2,12s/^# \{0,1\}//p' "$0" >&2
    exit "${1:-2}"
}

tag=""
ros_sim="${CARGO_TARGET_DIR:-$(cd "$(dirname "$0")/../../.." && pwd)/target}/debug/ros-sim"
version=7.23.7
latest=7.24.4
labels=()
while [ $# -gt 0 ]; do
    case "$1" in
    --ros-sim) [ $# -ge 2 ] || die "--ros-sim needs a path"; ros_sim=$2; shift 2 ;;
    --version) [ $# -ge 2 ] || die "--version needs a value"; version=$2; shift 2 ;;
    --latest-version) [ $# -ge 2 ] || die "--latest-version needs a version (or '' for an offline router)"; latest=$2; shift 2 ;;
    --label) [ $# -ge 2 ] || die "--label needs KEY=VALUE"; labels+=("$2"); shift 2 ;;
    -h|--help) usage 0 ;;
    -*) die "unknown option $1 (try --help)" ;;
    *) [ -z "$tag" ] || die "only one TAG, got '$tag' and '$1'"; tag=$1; shift ;;
    esac
done
[ -n "$tag" ] || usage 2
[[ "$version" =~ ^[0-9]+\.[0-9]+(\.[0-9]+)?([a-z]+[0-9]*)?$ ]] || die "--version '$version' is not a RouterOS version like 7.23.7"
if [ -n "$latest" ]; then
    [[ "$latest" =~ ^[0-9]+\.[0-9]+(\.[0-9]+)?([a-z]+[0-9]*)?$ ]] || die "--latest-version '$latest' is not a RouterOS version"
fi
for l in ${labels[@]+"${labels[@]}"}; do
    [[ "$l" =~ ^[A-Za-z0-9._-]+=[^[:cntrl:]]*$ ]] || die "--label '$l' is not KEY=VALUE"
done
nft_bin=/usr/sbin/nft
command -v docker >/dev/null 2>&1 || die "docker not found (apt-get install docker.io)"
command -v ldd >/dev/null 2>&1 || die "ldd not found (apt-get install libc-bin)"
[ -x "$nft_bin" ] || die "$nft_bin not found (apt-get install nftables)"
[ -x "$ros_sim" ] || die "ros-sim not found at $ros_sim (cargo build -p chrlab-sim --bin ros-sim, or --ros-sim PATH)"

ctx=$(mktemp -d "${TMPDIR:-/tmp}/chrlab-sim-image.XXXXXX")
trap 'rm -rf "$ctx"' EXIT
root=$ctx/root
mkdir -p "$root"

step "nft and its libraries"
copied=()
# shellcheck source=images/lib.sh
. "$(dirname "$0")/../../lib.sh"
copy_with_libs "$root" "$nft_bin" /usr/sbin/nft
step "ros-sim ($ros_sim) and its libraries"
copy_with_libs "$root" "$ros_sim" /usr/bin/ros-sim
# A debug build carries line tables the container never needs.
if command -v strip >/dev/null 2>&1; then
    strip --strip-debug "$root/usr/bin/ros-sim"
fi
# /tmp for anything that wants one; nothing else of a distribution.
mkdir -p "$root/tmp"
chmod 1777 "$root/tmp"

args=(--address 0.0.0.0 --enforce-firewall --version "$version")
if [ -n "$latest" ]; then
    args+=(--latest-version "$latest")
fi
json_args=$(printf '"%s",' "${args[@]}")
{
    echo "FROM scratch"
    echo "COPY root/ /"
    echo "ENV PATH=/usr/sbin:/usr/bin"
    echo "LABEL org.chrlab.layout=sim org.chrlab.routeros-version=$version"
    echo "EXPOSE 21 22 23 80 443 8291 8728 8729"
    echo "STOPSIGNAL SIGTERM"
    echo "ENTRYPOINT [\"/usr/bin/ros-sim\"]"
    echo "CMD [${json_args%,}]"
} > "$ctx/Dockerfile"

label_args=()
for l in ${labels[@]+"${labels[@]}"}; do
    label_args+=(--label "$l")
done
step "docker build -t $tag (RouterOS $version simulated, ${latest:-offline})"
docker build -q --force-rm ${label_args[@]+"${label_args[@]}"} -t "$tag" "$ctx" >/dev/null
size=$(docker image inspect --format '{{.Size}}' "$tag")
step "built $tag: $((size / 1024 / 1024)) MiB"
