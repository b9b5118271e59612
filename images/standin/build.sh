#!/usr/bin/env bash
# Build the chrlab stand-in guest: a tiny Linux VM (Debian kernel + busybox + nft + ros-sim) that
# boots under QEMU the way a CHR image does. It is NOT RouterOS. See README.md next to this file.
#
#   build.sh OUT_DIR [--ros-sim PATH] [--version V] [--latest-version V] [--args-file F] [--kernel-package PKG]
#            [--disk-initrd gz|cpio]      (initramfs form on disk.img; default gz)
#            [--test-addr A/P[,A/P...]]   (TEST-ONLY: static addresses for ether1, ether2, ...)
#
# --ros-sim defaults to $CARGO_TARGET_DIR (else ./target)/debug/ros-sim; --latest-version (default
# 7.24.4, empty: offline) is what its simulated upgrade server offers.
# Outputs in OUT_DIR: vmlinuz vmlinux initramfs.cpio initramfs.cpio.gz disk.img MANIFEST.
# Downloaded .debs are cached in OUT_DIR/debs/; everything else is rebuilt on every run.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
prog=$(basename "$0")

die() { echo "$prog: error: $*" >&2; exit 1; }
step() { printf '%s: [%3ss] %s\n' "$prog" "$SECONDS" "$*"; }
usage() {
    sed -n '2,10s/^# \{0,1\}//p' "$0" >&2
    exit "${1:-2}"
}

out=""
ros_sim="${CARGO_TARGET_DIR:-$(cd "$(dirname "$0")/../.." && pwd)/target}/debug/ros-sim"
latest=7.24.4
version=7.23.7
args_file=""
kernel_pkg=""
test_addr=""
disk_initrd=gz
while [ $# -gt 0 ]; do
    case "$1" in
    --ros-sim) [ $# -ge 2 ] || die "--ros-sim needs a path"; ros_sim=$2; shift 2 ;;
    --version) [ $# -ge 2 ] || die "--version needs a value"; version=$2; shift 2 ;;
    --latest-version) [ $# -ge 2 ] || die "--latest-version needs a version (or '' for an offline router)"; latest=$2; shift 2 ;;
    --args-file) [ $# -ge 2 ] || die "--args-file needs a path"; args_file=$2; shift 2 ;;
    --kernel-package) [ $# -ge 2 ] || die "--kernel-package needs a name"; kernel_pkg=$2; shift 2 ;;
    --test-addr) [ $# -ge 2 ] || die "--test-addr needs A/P[,A/P...]"; test_addr=$2; shift 2 ;;
    --disk-initrd) [ $# -ge 2 ] || die "--disk-initrd needs gz or cpio"; disk_initrd=$2; shift 2 ;;
    -h|--help) usage 0 ;;
    -*) die "unknown option $1 (try --help)" ;;
    *) [ -z "$out" ] || die "only one OUT_DIR, got '$out' and '$1'"; out=$1; shift ;;
    esac
done
[ -n "$out" ] || usage 2
case "$disk_initrd" in gz|cpio) ;; *) die "--disk-initrd must be gz or cpio, not '$disk_initrd'" ;; esac
if [ -n "$test_addr" ]; then
    [[ "$test_addr" =~ ^[0-9.]+/[0-9]+(,[0-9.]+/[0-9]+)*$ ]] || die "--test-addr '$test_addr' is not A/P[,A/P...]"
fi
[[ "$version" =~ ^[0-9]+\.[0-9]+(\.[0-9]+)?([a-z]+[0-9]*)?$ ]] || die "--version '$version' is not a RouterOS version like 7.23.7"

# Modules the guest needs (networking and the firewall); dependencies are added by modprobe.
modules=(virtio_pci virtio_net nf_tables nft_ct nft_reject_inet nft_log nf_log_syslog)
skip_modules=(crc32c-intel crc32c_intel)   # needs SSE4.2, absent from TCG's default CPU
busybox_bin=/bin/busybox
nft_bin=/usr/sbin/nft
mbr_bin=/usr/lib/syslinux/mbr/mbr.bin
part_start_sector=2048                     # 1 MiB, as fdisk aligns
kernel_cmdline="console=ttyS0,115200 loglevel=6 panic=1 8250.nr_uarts=1"

# TEST-ONLY: /init gives ether1, ether2, ... these addresses. A real image carries none.
[ -z "$test_addr" ] || kernel_cmdline="$kernel_cmdline chrlab.test_addr=$test_addr"

# --- host checks ------------------------------------------------------------------------------
missing=()
for tool in apt-get apt-cache dpkg-deb dpkg-query depmod modprobe cpio gzip xz sfdisk mformat \
            mcopy mdir syslinux ldd sha256sum grep sed sort truncate; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
[ ${#missing[@]} -eq 0 ] || die "missing host tools: ${missing[*]}
  install: apt-get install -y --no-install-recommends kmod cpio fdisk mtools syslinux syslinux-common busybox-static nftables xz-utils"
[ -x "$busybox_bin" ] || die "$busybox_bin not found (apt-get install busybox-static)"
"$busybox_bin" --list-full >/dev/null 2>&1 || die "$busybox_bin has no --list-full: is it busybox-static?"
if command -v file >/dev/null && ! file -L "$busybox_bin" | grep -q 'statically linked'; then
    die "$busybox_bin is not statically linked (apt-get install busybox-static)"
fi
[ -x "$nft_bin" ] || die "$nft_bin not found (apt-get install nftables)"
[ -r "$mbr_bin" ] || die "$mbr_bin not found (apt-get install syslinux-common)"
[ -e "$ros_sim" ] || die "ros-sim binary '$ros_sim' does not exist: build it (cargo build --release -p chrlab-sim --bin ros-sim) or pass --ros-sim PATH"
[ -f "$ros_sim" ] && [ -x "$ros_sim" ] || die "ros-sim '$ros_sim' is not an executable file"
if [ -n "$args_file" ]; then
    [ -f "$args_file" ] && [ -r "$args_file" ] || die "--args-file '$args_file' is not a readable file"
fi

mkdir -p "$out" || die "cannot create $out"
out=$(cd "$out" && pwd)
debs="$out/debs"
work="$out/.work"
mkdir -p "$debs"
rm -rf "$work"
mkdir -p "$work"
step "building the chrlab stand-in guest in $out"

# --- kernel -----------------------------------------------------------------------------------
if [ -z "$kernel_pkg" ]; then
    kernel_pkg=$(apt-cache depends linux-image-amd64 2>/dev/null \
        | sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*-amd64\)$/\1/p' | head -n1)
    [ -n "$kernel_pkg" ] || die "cannot resolve linux-image-amd64 to a kernel package (apt-get update?)"
fi
[[ "$kernel_pkg" =~ ^linux-image-[0-9][0-9a-z.+~-]*-amd64(-unsigned)?$ ]] || die "'$kernel_pkg' is not a linux-image-*-amd64 package"
kernel_ver=$(apt-cache policy "$kernel_pkg" 2>/dev/null | sed -n 's/^ *Candidate: //p')
[ -n "$kernel_ver" ] && [ "$kernel_ver" != "(none)" ] || die "apt knows no version of $kernel_pkg (apt-get update?)"
deb="$debs/${kernel_pkg}_${kernel_ver//:/%3a}_amd64.deb"
if [ -s "$deb" ] && dpkg-deb --info "$deb" >/dev/null 2>&1; then
    step "kernel: $kernel_pkg $kernel_ver (cached $(basename "$deb"))"
else
    step "kernel: downloading $kernel_pkg=$kernel_ver"
    rm -f "$deb"
    # apt-get download writes into the current directory; _apt cannot always read it (harmless note).
    (cd "$debs" && apt-get download -q "$kernel_pkg=$kernel_ver" 2>&1 | grep -v 'unsandboxed' || true)
    [ -s "$deb" ] || die "apt-get download $kernel_pkg=$kernel_ver did not produce $deb"
fi
# The unpacked kernel (bzImage + the module subtrees the guest can need) is cached next to the
# .deb: unpacking the whole data.tar.xz is the slowest step of the build.
kroot="$debs/unpacked-${kernel_pkg}_${kernel_ver//:/%3a}"
if [ ! -f "$kroot/.complete" ]; then
    step "kernel: unpacking $(basename "$deb")"
    rm -rf "$kroot" "$kroot.tmp"
    mkdir -p "$kroot.tmp"
    dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$kroot.tmp" --wildcards --no-wildcards-match-slash \
        './boot/vmlinuz-*' './lib/modules/*/modules.*' './lib/modules/*/kernel/drivers/virtio' \
        './lib/modules/*/kernel/drivers/net' './lib/modules/*/kernel/net' \
        './lib/modules/*/kernel/crypto' './lib/modules/*/kernel/lib' './lib/modules/*/kernel/arch' \
        || die "cannot unpack $deb"
    touch "$kroot.tmp/.complete"
    mv "$kroot.tmp" "$kroot"
fi
kver=$(cd "$kroot/lib/modules" && ls | head -n1)
[ -n "$kver" ] && [ -f "$kroot/boot/vmlinuz-$kver" ] || die "$deb holds no /boot/vmlinuz-<ver>"
cp "$kroot/boot/vmlinuz-$kver" "$work/vmlinuz"

# The bzImage's payload is one xz stream; unpacked it is an ELF vmlinux with a PVH entry note,
# which QEMU's -kernel boots directly and which skips the slow decompression under TCG.
step "kernel: extracting vmlinux from the bzImage's xz payload"
xz_off=$(LC_ALL=C grep -obUaP '\xfd7zXZ\x00' "$work/vmlinuz" | head -n1 | cut -d: -f1 || true)
[ -n "$xz_off" ] || die "no xz stream in vmlinuz-$kver (is the kernel compressed with xz?)"
tail -c +"$((xz_off + 1))" "$work/vmlinuz" | xz -dc --single-stream > "$work/vmlinux" 2>/dev/null || true
[ "$(head -c4 "$work/vmlinux" | od -An -c | tr -d ' ')" = '177ELF' ] || die "the xz payload of vmlinuz-$kver is not an ELF kernel"

# --- initramfs --------------------------------------------------------------------------------
root="$work/root"
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,lib,lib64,etc/standin,proc,sys,dev,tmp,run,root,var/log}
ln -s ../run "$root/var/run"

step "initramfs: busybox ($("$busybox_bin" 2>&1 | head -n1 | cut -d' ' -f2))"
cp "$busybox_bin" "$root/bin/busybox"
while read -r applet; do
    [ -n "$applet" ] && [ "$applet" != bin/busybox ] || continue
    [ -d "$root/${applet%/*}" ] || mkdir -p "$root/${applet%/*}"
    [ -e "$root/$applet" ] || ln -s /bin/busybox "$root/$applet"
done < <("$busybox_bin" --list-full)

host_files=("$busybox_bin")
copied=()
# shellcheck source=images/lib.sh
. "$here/../lib.sh"
step "initramfs: nft and its libraries"
copy_with_libs "$root" "$nft_bin" /usr/sbin/nft
step "initramfs: ros-sim ($ros_sim) and its libraries"
copy_with_libs "$root" "$ros_sim" /usr/bin/ros-sim
host_files+=("${copied[@]}")
# A debug build carries line tables the guest never needs: a third of the size.
if command -v strip >/dev/null 2>&1; then
    strip --strip-debug "$root/usr/bin/ros-sim"
fi

step "initramfs: kernel modules for $kver: ${modules[*]}"
depmod -b "$kroot" "$kver" || die "depmod on the unpacked kernel failed"
: > "$root/etc/standin/modules"
declare -A seen=()
for m in "${modules[@]}"; do
    deps=$(modprobe -d "$kroot" -S "$kver" --show-depends "$m" 2>&1) || die "modprobe --show-depends $m: $deps"
    while read -r kind path _rest; do
        [ "$kind" = insmod ] || continue            # "builtin X" needs nothing
        name=$(basename "$path" .ko)
        name=${name%.ko.xz}
        for s in "${skip_modules[@]}"; do [ "$name" = "$s" ] && continue 2; done
        [ -z "${seen[$name]:-}" ] || continue
        seen[$name]=1
        rel=${path#"$kroot/lib/modules/$kver/"}
        mkdir -p "$root/lib/modules/$(dirname "$rel")"
        case "$path" in
        *.ko.xz) xz -dc "$path" > "$root/lib/modules/${rel%.xz}"; rel=${rel%.xz} ;;
        *) cp "$path" "$root/lib/modules/$rel" ;;
        esac
        echo "$rel" >> "$root/etc/standin/modules"
    done <<< "$deps"
done
[ -s "$root/etc/standin/modules" ] || die "no modules selected"

cp "$here/init" "$root/init"
chmod 0755 "$root/init"
if [ -n "$args_file" ]; then
    cp "$args_file" "$root/etc/ros-sim.args"
else
    # --latest-version: the simulated upgrade server offers what the embedded simulator lab's
    # does (harness DEFAULT_LATEST), so the update measure behaves the same on both backends.
    echo "--address 0.0.0.0 --enforce-firewall --manage-addresses --console /dev/ttyS0 --version $version${latest:+ --latest-version $latest}" \
        > "$root/etc/ros-sim.args"
fi
printf 'root:x:0:0:root:/root:/bin/sh\n' > "$root/etc/passwd"
printf 'root:x:0:\ntty:x:5:\n' > "$root/etc/group"
printf '127.0.0.1 localhost chrlab-standin\n::1 localhost\n' > "$root/etc/hosts"
printf 'NAME="chrlab stand-in guest (not RouterOS)"\nID=chrlab-standin\nVERSION_ID=%s\n' "$version" \
    > "$root/etc/os-release"

# /dev/console must exist before /init runs (the kernel opens it for init's stdio). A second newc
# archive, written by hand, holds the device nodes so that no mknod (and no root) is needed.
newc_entry() { # name mode major minor
    local name=$1 mode=$2 maj=$3 min=$4 namesize=$((${#1} + 1)) pad
    printf '070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X' \
        0 "$mode" 0 0 1 0 0 0 0 "$maj" "$min" "$namesize" 0
    printf '%s\0' "$name"
    pad=$(( (4 - (110 + namesize) % 4) % 4 ))
    head -c "$pad" /dev/zero
}
{
    newc_entry dev/console $((0020600)) 5 1
    newc_entry dev/null $((0020666)) 1 3
    newc_entry TRAILER!!! 0 0 0
} > "$work/devnodes.cpio"

step "initramfs: writing initramfs.cpio"
find "$root" -exec touch -h -d @0 {} + 2>/dev/null || true
(cd "$root" && find . -mindepth 1 -printf '%P\n' | LC_ALL=C sort \
    | cpio -o -H newc -R 0:0 --reproducible --quiet) > "$work/initramfs.cpio.main" \
    || die "cpio failed"
cat "$work/initramfs.cpio.main" "$work/devnodes.cpio" > "$work/initramfs.cpio"
gzip -n -6 -c "$work/initramfs.cpio" > "$work/initramfs.cpio.gz"

# --- bootable disk ----------------------------------------------------------------------------
# MBR (syslinux mbr.bin) + one bootable FAT partition at 1 MiB with syslinux, the kernel and the
# initramfs. Built on the file with sfdisk and mtools: no loop devices, no mounts, no root.
if [ "$disk_initrd" = gz ]; then disk_initrd_file=initramfs.cpio.gz; disk_initrd_name=initrd.gz
else disk_initrd_file=initramfs.cpio; disk_initrd_name=initrd.cpio; fi
step "disk: writing disk.img (initramfs as $disk_initrd_name)"
cat > "$work/syslinux.cfg" <<EOF
SERIAL 0 115200
DEFAULT standin
PROMPT 0
TIMEOUT 0
NOESCAPE 1
SAY chrlab-standin: syslinux
LABEL standin
  LINUX /vmlinuz
  INITRD /$disk_initrd_name
  APPEND $kernel_cmdline
EOF
payload=$(( $(stat -c %s "$work/vmlinuz") + $(stat -c %s "$work/$disk_initrd_file") ))
part_mib=$(( (payload * 11 / 10) / 1048576 + 4 ))
[ "$part_mib" -ge 8 ] || part_mib=8
disk="$work/disk.img"
truncate -s "$(( (part_mib + 1) * 1048576 ))" "$disk"
part_sectors=$(( part_mib * 2048 ))
offset=$(( part_start_sector * 512 ))
printf 'label: dos\nunit: sectors\nstart=%d, size=%d, type=6, bootable\n' \
    "$part_start_sector" "$part_sectors" | sfdisk --quiet --no-reread --no-tell-kernel "$disk" \
    || die "sfdisk on $disk failed"
dd if="$mbr_bin" of="$disk" bs=440 count=1 conv=notrunc status=none
export MTOOLS_SKIP_CHECK=1
mformat -i "$disk@@$offset" -T "$part_sectors" -h 64 -s 32 -H "$part_start_sector" -v STANDIN :: \
    || die "mformat failed"
mcopy -i "$disk@@$offset" "$work/vmlinuz" ::/vmlinuz
mcopy -i "$disk@@$offset" "$work/$disk_initrd_file" "::/$disk_initrd_name"
mcopy -i "$disk@@$offset" "$work/syslinux.cfg" ::/syslinux.cfg
syslinux --install --offset "$offset" "$disk" || die "syslinux --install failed"
mdir -a -i "$disk@@$offset" ::/ldlinux.sys >/dev/null 2>&1 || die "syslinux did not install ldlinux.sys"

# --- manifest, then publish -------------------------------------------------------------------
step "writing MANIFEST"
# One dpkg-query for every host file (it is slow per call): path -> package.
declare -A owner=()
query=("$mbr_bin" "$(command -v syslinux)")
for f in "${host_files[@]}"; do query+=("$f" "$(readlink -f "$f")"); done
while IFS= read -r line; do
    p=${line%%: *}; f=${line#*: }
    case "$p" in *,*|*' '*) continue ;; esac     # diversions and multi-owner lines
    owner[$f]=${p%%:*}
done < <(dpkg-query -S "${query[@]}" 2>/dev/null || true)
declare -A pkgver=()
while read -r p v; do pkgver[$p]=$v; done < <(dpkg-query -W -f='${Package} ${Version}\n' "${owner[@]}" 2>/dev/null || true)
pkg_of() { # host file -> "package version"
    local p=${owner[$1]:-${owner[$(readlink -f "$1")]:-}}
    if [ -n "$p" ]; then echo "$p ${pkgver[$p]:-?}"; else echo "(not from a Debian package) -"; fi
}
{
    echo "# chrlab stand-in guest (NOT RouterOS). Built by images/standin/build.sh"
    echo "ros-sim-version $version"
    echo "kernel-release $kver"
    echo "kernel-cmdline $kernel_cmdline"
    echo "disk-initrd $disk_initrd_name"
    echo
    echo "## Debian packages (downloaded)"
    echo "$kernel_pkg $kernel_ver"
    echo
    echo "## host files copied into the initramfs: path package version"
    for f in "${host_files[@]}"; do
        if [ "$f" = "$ros_sim" ]; then
            echo "$f chrlab ros-sim (sha256 $(sha256sum < "$f" | cut -d' ' -f1))"
        else
            echo "$f $(pkg_of "$f")"
        fi
    done
    echo
    echo "## boot loader"
    echo "$mbr_bin $(pkg_of "$mbr_bin")"
    echo "$(command -v syslinux) $(pkg_of "$(command -v syslinux)")"
    echo
    echo "## kernel modules (insmod order)"
    cat "$root/etc/standin/modules"
    echo
    echo "## /etc/ros-sim.args"
    cat "$root/etc/ros-sim.args"
    echo
    echo "## outputs: sha256 bytes name"
    for f in vmlinuz vmlinux initramfs.cpio initramfs.cpio.gz disk.img; do
        echo "$(sha256sum < "$work/$f" | cut -d' ' -f1) $(stat -c %s "$work/$f") $f"
    done
} > "$work/MANIFEST"

for f in vmlinuz vmlinux initramfs.cpio initramfs.cpio.gz disk.img MANIFEST; do
    mv -f "$work/$f" "$out/$f"
done
rm -rf "$work"
step "done:"
(cd "$out" && ls -l vmlinuz vmlinux initramfs.cpio initramfs.cpio.gz disk.img MANIFEST \
    | awk -v p="$prog" '{ printf "%s:   %10d  %s\n", p, $5, $9 }')
