#!/usr/bin/env bash
# The two appliances' boot files, cached: the distribution kernel (with DRBD 8.4 in-tree), a tiny busybox
# initramfs that mounts the root disk, and the appliance root (Debian 12 minbase + systemd, MariaDB, drbd-utils,
# kmod, iproute2 and the palisade .deb) as an ext4 image made with mke2fs -d (no loop mount).
#
#   build-root.sh CACHE_DIR PALISADE_DEB
#
# Prints three lines, KERNEL=..., INITRD=..., ROOT=... (paths inside CACHE_DIR). The debootstrap tree is kept and
# reused while its package list is the same; the root image is rebuilt when the .deb, the guest files or this
# script change. Needs root (debootstrap, chroot) and the Debian mirror (DEBIAN_MIRROR, default deb.debian.org).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=$1
deb=$(readlink -f "$2")
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
suite=bookworm
# what the appliance runs besides palisade; the palisade package's own Depends come with apt
packages=systemd,systemd-sysv,udev,mariadb-server,drbd-utils,kmod,iproute2,procps,iputils-ping,psmisc,libstdc++6,zlib1g
# what the initramfs loads to reach the root disk; the root itself gets these and DRBD, virtio's NIC and console
boot_modules="virtio_pci virtio_blk ext4 crc32c_generic"
root_modules="$boot_modules virtio_net virtio_console virtio_rng drbd"

# everything but the three result lines goes to standard error
exec 3>&1 1>&2
mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9
log() { echo "build-root: $*" >&2; }
sha() { sha256sum | cut -c1-16; }

# --- kernel: the version linux-image-amd64 points to today (the ABI number changes with security updates) ---
kpkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
[ -n "$kpkg" ] || { log "apt-cache knows no linux-image-amd64 (run apt-get update)"; exit 1; }
kver=${kpkg#linux-image-}
kdir=$cache/kernel-$kver
if [ ! -f "$kdir/vmlinuz" ]; then
    log "kernel $kpkg"
    rm -rf "$kdir.tmp" && mkdir -p "$kdir.tmp/deb"
    (cd "$kdir.tmp/deb" && apt-get download "$kpkg" >/dev/null 2>&1) \
        || { apt-get update -q >/dev/null && (cd "$kdir.tmp/deb" && apt-get download "$kpkg" >/dev/null); }
    dpkg-deb -x "$kdir.tmp"/deb/*.deb "$kdir.tmp/x"
    depmod -b "$kdir.tmp/x" "$kver"
    mkdir -p "$kdir.tmp/modules/lib/modules/$kver"
    for m in $root_modules; do
        modprobe -d "$kdir.tmp/x" -S "$kver" --show-depends "$m" | awk '$1 == "insmod" {print $2}'
    done | sort -u | while read -r f; do
        rel=${f#"$kdir.tmp/x/"}
        mkdir -p "$kdir.tmp/modules/$(dirname "$rel")"
        cp "$f" "$kdir.tmp/modules/$rel"
    done
    cp "$kdir.tmp/x/lib/modules/$kver"/modules.{builtin,builtin.modinfo,order} "$kdir.tmp/modules/lib/modules/$kver/"
    depmod -b "$kdir.tmp/modules" "$kver"
    cp "$kdir.tmp/x/boot/vmlinuz-$kver" "$kdir.tmp/vmlinuz"
    rm -rf "$kdir.tmp/x" "$kdir.tmp/deb"
    rm -rf "$kdir" && mv "$kdir.tmp" "$kdir"
fi

# --- initramfs: busybox, the boot modules, /init ---
initrd=$cache/initrd-$kver-$(cat "$here/initrd-init" | sha).cpio.gz
if [ ! -f "$initrd" ]; then
    log "initramfs for $kver"
    r=$(mktemp -d "$cache/initrd.XXXXXX")
    mkdir -p "$r"/{bin,dev,proc,sys,newroot,lib/modules/"$kver"}
    cp /bin/busybox "$r/bin/busybox"
    for a in sh mount umount modprobe switch_root sleep cat poweroff echo mkdir; do ln -s busybox "$r/bin/$a"; done
    for m in $boot_modules; do
        modprobe -d "$kdir/modules" -S "$kver" --show-depends "$m" | awk '$1 == "insmod" {print $2}'
    done | sort -u | while read -r f; do
        rel=${f#"$kdir/modules/"}
        mkdir -p "$r/$(dirname "$rel")" && cp "$f" "$r/$rel"
    done
    cp "$kdir/modules/lib/modules/$kver"/modules.{builtin,order} "$r/lib/modules/$kver/"
    depmod -b "$r" "$kver"
    install -m 0755 "$here/initrd-init" "$r/init"
    (cd "$r" && find . | cpio -o -H newc --quiet) | gzip -1 > "$initrd.tmp"
    mv "$initrd.tmp" "$initrd"
    rm -rf "$r"
fi

# --- the Debian root without palisade: kept while the package list is the same ---
base_key=$(echo "$suite $mirror $packages 2" | sha)
base=$cache/base-$base_key
if [ ! -f "$base/.complete" ]; then
    log "debootstrap $suite minbase + $packages (about a minute)"
    rm -rf "$base"
    debootstrap --foreign --variant=minbase --include="$packages" "$suite" "$base" "$mirror" >&2
    # no service starts inside the chroot (mariadb's postinst would leave a server running)
    printf '#!/bin/sh\nexit 101\n' > "$base/usr/sbin/policy-rc.d"
    chmod +x "$base/usr/sbin/policy-rc.d"
    chroot "$base" /debootstrap/debootstrap --second-stage >&2
    chroot "$base" apt-get clean
    rm -rf "$base"/usr/share/doc/* "$base"/usr/share/man/* "$base"/usr/share/locale/* "$base"/var/lib/apt/lists/*
    touch "$base/.complete"
fi

# --- the appliance root: base + palisade .deb + the guest files, as an ext4 image ---
guest_key=$( (cd "$here/guest" && find . -type f | LC_ALL=C sort | xargs sha256sum; sha256sum "$deb" "$here/build-root.sh") | sha)
root=$cache/root-$base_key-$kver-$guest_key.img
if [ ! -f "$root" ]; then
    log "appliance root: $(basename "$deb") on base-$base_key"
    stage=$(mktemp -d "$cache/stage.XXXXXX")
    cleanup_stage() {
        for m in proc dev; do mountpoint -q "$stage/$m" && umount -l "$stage/$m"; done
        rm -rf "$stage"
    }
    trap cleanup_stage EXIT
    cp -a "$base/." "$stage/"
    rm -f "$stage/.complete"
    cp -a "$kdir/modules/lib/modules" "$stage/lib/"
    depmod -b "$stage" "$kver"
    cp "$deb" "$stage/tmp/palisade.deb"
    mount -t proc proc "$stage/proc"
    mount --bind /dev "$stage/dev"
    chroot "$stage" dpkg -i /tmp/palisade.deb >&2
    rm -f "$stage/tmp/palisade.deb"
    cp -a "$here/guest/." "$stage/"
    chroot "$stage" /bin/sh -ec '
        chmod 0600 /etc/palisade/*.conf /etc/palisade/*.ipmi
        chmod 0755 /usr/local/sbin/*
        systemctl disable mariadb.service >/dev/null 2>&1 || true   # the supervisor runs MariaDB
        # the console carries the logs (no login prompts); nothing runs that an appliance under test does not need
        systemctl mask mariadb.service mariadb.socket drbd.service getty.target getty-static.service \
            serial-getty@ttyS0.service apt-daily.timer apt-daily-upgrade.timer dpkg-db-backup.timer e2scrub_all.timer \
            e2scrub_reap.service fstrim.timer systemd-tmpfiles-clean.timer >/dev/null
        systemctl enable palisade.service lab-agent@lab.agent.service lab-agent@lab.probe.service \
            appliance-identity.service drbd@r0.target >/dev/null
        systemctl set-default multi-user.target >/dev/null
        mkdir -p /var/log/journal
        passwd -d root >/dev/null
        echo appliance > /etc/hostname
        '
    umount "$stage/proc" "$stage/dev"
    rm -f "$stage/usr/sbin/policy-rc.d"
    # older images go, except one a running lab still boots from (it holds a shared lock on it)
    for old in "$cache"/root-*.img; do
        [ -e "$old" ] && flock -xn "$old" rm -f "$old" || true
    done
    mke2fs -q -t ext4 -d "$stage" -L root "$root.tmp" 3G
    mv "$root.tmp" "$root"
    trap - EXIT
    cleanup_stage
fi
echo "KERNEL=$kdir/vmlinuz" >&3
echo "INITRD=$initrd" >&3
echo "ROOT=$root" >&3
