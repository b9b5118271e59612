# shellcheck shell=bash
# Shell functions the image builders share (images/standin, images/container/*). Source it from
# bash after defining die(); it defines nothing else and runs nothing.

# copy_with_libs ROOT SRC [DEST]: the file SRC at ROOT/DEST (default: SRC's own path), plus every
# library `ldd` lists for it at its own path under ROOT. Every host file copied is appended to
# the array `copied` (for a manifest).
copy_with_libs() {
    local root=$1 src=$2 dest=${3:-$2} lib libs
    mkdir -p "$root$(dirname "$dest")"
    rm -f "$root$dest"
    cp -L "$src" "$root$dest"
    copied+=("$src")
    libs=$(ldd "$src" 2>&1) || die "ldd $src failed: $libs"
    while read -r lib; do
        [ -n "$lib" ] || continue
        [ -e "$lib" ] || die "ldd $src lists $lib, which does not exist"
        if [ ! -e "$root$lib" ]; then
            mkdir -p "$root$(dirname "$lib")"
            cp -L "$lib" "$root$lib"
            copied+=("$lib")
        fi
    done < <(printf '%s\n' "$libs" | sed -n 's/.*=> \(\/[^ ]*\) (.*/\1/p; s/^[[:space:]]*\(\/[^ ]*\) (.*/\1/p')
}
