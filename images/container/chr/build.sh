#!/usr/bin/env bash
# Build the chrlab CHR container image FROM scratch out of this machine's Debian files: the same
# layout as the Dockerfile next to this file (which needs a registry for alpine), without a registry.
#
#   build.sh TAG --disk PATH [--label KEY=VALUE]...
#
# The image holds qemu-system-x86_64 with every library ldd lists, the TCG accelerator module,
# the firmware a `-machine pc -nodefaults` VM with virtio disk and NICs loads (bios-256k.bin,
# kvmvapic.bin), busybox-static with the applets entrypoint.sh uses, entrypoint.sh, and the disk
# at /routeros/chr.img. Label org.chrlab.layout=docker-routeros always, plus every --label.
# shellcheck disable=SC2015  # "A && B || die": die is meant to run when either fails
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
prog=$(basename "$0")

die() { echo "$prog: error: $*" >&2; exit 1; }
step() { printf '%s: [%3ss] %s\n' "$prog" "$SECONDS" "$*"; }
usage() {
    sed -n '5s/^# \{0,1\}//p' "$0" >&2
    exit "${1:-2}"
}

tag="" disk="" labels=()
while [ $# -gt 0 ]; do
    case "$1" in
    --disk) [ $# -ge 2 ] || die "--disk needs a path"; disk=$2; shift 2 ;;
    --label)
        [ $# -ge 2 ] || die "--label needs KEY=VALUE"
        [[ "$2" =~ ^[A-Za-z0-9._/-]+=.*$ ]] || die "--label '$2' is not KEY=VALUE"
        labels+=("$2"); shift 2 ;;
    -h|--help) usage 0 ;;
    -*) die "unknown option $1 (try --help)" ;;
    *) [ -z "$tag" ] || die "only one TAG, got '$tag' and '$1'"; tag=$1; shift ;;
    esac
done
[ -n "$tag" ] && [ -n "$disk" ] || usage 2

qemu=/usr/bin/qemu-system-x86_64
accel_mod=/usr/lib/x86_64-linux-gnu/qemu/accel-tcg-x86_64.so
busybox=/bin/busybox
# Found with strace on QEMU 7.2 (Debian): the only data files a `-machine pc -nodefaults` VM
# with a virtio disk and `romfile=` virtio NICs opens. build.sh checks them with a real start.
firmware=(/usr/share/seabios/bios-256k.bin /usr/share/qemu/kvmvapic.bin)
# The applets entrypoint.sh runs (sh for the shebang; the rest are commands it calls).
applets=(sh cat date dd grep head ip brctl tunctl od printf rm sed sleep tr udhcpd)

# --- host checks ----------------------------------------------------------------------------------
command -v docker >/dev/null 2>&1 || die "docker not found (apt-get install docker.io)"
command -v ldd >/dev/null 2>&1 || die "ldd not found (apt-get install libc-bin)"
[ -x "$qemu" ] || die "$qemu not found (apt-get install --no-install-recommends qemu-system-x86)"
[ -r "$accel_mod" ] || die "$accel_mod not found (apt-get install --no-install-recommends qemu-system-x86)"
for f in "${firmware[@]}"; do
    case "$f" in
    */seabios/*) pkg=seabios ;;
    *) pkg='qemu-system-data' ;;
    esac
    [ -r "$f" ] || die "$f not found (apt-get install --no-install-recommends $pkg)"
done
[ -x "$busybox" ] || die "$busybox not found (apt-get install busybox-static)"
bb_ldd=$(ldd "$busybox" 2>&1 || true)
if ! "$busybox" --list >/dev/null 2>&1 || [[ "$bb_ldd" != *'not a dynamic executable'* ]]; then
    die "$busybox is not a static busybox (apt-get install busybox-static)"
fi
have=$("$busybox" --list)
for a in "${applets[@]}"; do
    grep -qx "$a" <<<"$have" || die "$busybox has no '$a' applet, which entrypoint.sh needs"
done
[ -e "$disk" ] || die "--disk $disk does not exist"
[ -f "$disk" ] && [ -r "$disk" ] || die "--disk $disk is not a readable file"
docker info >/dev/null 2>&1 || die "cannot talk to the docker daemon (is it running? are you root or in group docker?)"

work=$(mktemp -d "${TMPDIR:-/tmp}/chrlab-chr-build.XXXXXX")
trap 'rm -rf "$work"' EXIT
root="$work/rootfs"
mkdir -p "$root"/{bin,usr/bin,routeros,tmp,var/tmp}
chmod 1777 "$root/tmp" "$root/var/tmp"      # QEMU's snapshot=on overlay goes to /var/tmp
step "building $tag from this machine's files in $work"

copied=()
# shellcheck source=images/lib.sh
. "$here/../../lib.sh"
step "qemu: $("$qemu" --version | head -n1) and its $(ldd "$qemu" | grep -c '/') libraries"
copy_with_libs "$root" "$qemu"
step "qemu: TCG accelerator module $accel_mod"
copy_with_libs "$root" "$accel_mod"
step "firmware: ${firmware[*]}"
for f in "${firmware[@]}"; do
    mkdir -p "$root$(dirname "$f")"
    cp -L "$f" "$root$f"
done
step "busybox: $("$busybox" 2>&1 | head -n1 | cut -d' ' -f2) with ${applets[*]}"
cp "$busybox" "$root/bin/busybox"
for a in "${applets[@]}"; do ln -s busybox "$root/bin/$a"; done
cp "$here/entrypoint.sh" "$root/routeros/entrypoint.sh"
chmod 0755 "$root/routeros/entrypoint.sh"

# A real start in the assembled root: QEMU exits at once if a library or firmware file is missing.
if [ "$(id -u)" = 0 ] && command -v chroot >/dev/null 2>&1; then
    step "checking that qemu starts in the image's root (chroot, 3 s, no disk)"
    rc=0
    out=$(timeout 3 chroot "$root" /usr/bin/qemu-system-x86_64 -machine pc -nodefaults -accel tcg \
        -m 64 -display none -serial none -netdev user,id=n0 -device virtio-net-pci,netdev=n0,romfile= 2>&1) || rc=$?
    [ "$rc" = 124 ] || die "qemu did not stay up in the image's root (exit $rc): $out"
else
    step "not root: skipping the chroot start check"
fi

step "disk: $disk ($(stat -L -c %s "$disk") bytes) -> /routeros/chr.img"
ln "$disk" "$root/routeros/chr.img" 2>/dev/null || cp -L "$disk" "$root/routeros/chr.img"
chmod 0644 "$root/routeros/chr.img"

cat > "$work/Dockerfile" <<'EOF'
FROM scratch
COPY rootfs/ /
ENV PATH=/usr/bin:/bin
LABEL org.chrlab.layout=docker-routeros
EXPOSE 21 22 23 80 443 8291 8728 8729
ENTRYPOINT ["/routeros/entrypoint.sh"]
EOF
label_args=()
for l in "${labels[@]}"; do label_args+=(--label "$l"); done
step "docker build -t $tag (labels: org.chrlab.layout=docker-routeros ${labels[*]})"
# The legacy builder needs nothing from a registry for FROM scratch; its deprecation notice is noise.
if ! DOCKER_BUILDKIT=0 docker build -q --force-rm -t "$tag" "${label_args[@]}" "$work" \
    >"$work/build.log" 2>&1; then
    cat "$work/build.log" >&2
    die "docker build failed"
fi
size=$(docker image inspect -f '{{.Size}}' "$tag") || die "docker image inspect $tag failed"
step "done: $tag $((size / 1048576)) MiB ($size bytes)"
