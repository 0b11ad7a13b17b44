#!/usr/bin/env bash
# Lays out the container image's files in ROOTFS (the JRE is added after this by jlink, into ROOTFS/opt/java):
#   /lib, /lib64          glibc and libgcc_s from Debian's packages (apt-get download, kept in DEBS)
#   /etc                  passwd and group naming the image's user UID, nsswitch.conf
#   /opt/openhqm          the unpacked distribution DISTRIBUTION, with an empty data/ (a volume)
#   /tmp                  empty (a volume)
# Usage: rootfs.sh ROOTFS DEBS DISTRIBUTION UID
set -euo pipefail

rootfs=$1
debs=$2
distribution=$3
uid=$4
packages=(libc6 libgcc-s1)

if [ ! -d "$distribution/lib" ]; then
    echo "image: no unpacked distribution at $distribution; build the distribution module first" \
        "(mvn package -pl image -am)." >&2
    exit 1
fi

mkdir -p "$debs"
missing=()
for package in "${packages[@]}"; do
    compgen -G "$debs/${package}_*.deb" >/dev/null || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
    sandbox=()
    # apt-get downloads as the unprivileged _apt user, who may not write to DEBS.
    [ "$(id -u)" = 0 ] && sandbox=(-o APT::Sandbox::User=root)
    if ! (cd "$debs" && apt-get download -q "${sandbox[@]}" "${missing[@]}"); then
        echo "image: could not fetch the Debian packages ${missing[*]} with 'apt-get download'. The image's glibc" \
            "comes from Debian's packages: on a Debian or Ubuntu machine, run 'apt-get update' (as root; .ci/run" \
            "does) and build again, or put their .deb files into $debs." >&2
        exit 1
    fi
fi

rm -rf "$rootfs"
mkdir -p "$rootfs"
for package in "${packages[@]}"; do
    dpkg-deb -x "$(compgen -G "$debs/${package}_*.deb" | head -n 1)" "$rootfs"
done
# Only the shared libraries stay: no documentation, locales' converters, tools or their configuration.
rm -rf "$rootfs"/usr/share "$rootfs"/usr/lib/*/gconv "$rootfs"/usr/bin "$rootfs"/usr/sbin "$rootfs"/sbin \
    "$rootfs"/usr/libexec "$rootfs"/etc
find "$rootfs" -depth -type d -empty -delete
# Absolute links (/lib64/ld-linux-x86-64.so.2 -> /lib/...) would point into the build machine: make them
# relative to their own folder.
while IFS= read -r link; do
    target=$(readlink "$link")
    case $target in
        /*) ln -sfn "$(realpath -m --relative-to="$(dirname "$link")" "$rootfs$target")" "$link" ;;
    esac
done < <(find "$rootfs" -type l)

mkdir -p "$rootfs/etc" "$rootfs/tmp" "$rootfs/opt/openhqm"
printf 'root:x:0:0:root:/root:/sbin/nologin\nopenhqm:x:%s:%s:OpenHQM:/opt/openhqm:/sbin/nologin\n' "$uid" "$uid" \
    >"$rootfs/etc/passwd"
printf 'root:x:0:\nopenhqm:x:%s:\n' "$uid" >"$rootfs/etc/group"
printf 'passwd: files\ngroup: files\nhosts: files dns\n' >"$rootfs/etc/nsswitch.conf"

cp -a "$distribution/." "$rootfs/opt/openhqm/"
rm -rf "$rootfs/opt/openhqm/data"
mkdir "$rootfs/opt/openhqm/data"
