#!/bin/bash
# Builds the palisade and palisade-fence-gateway Debian packages (amd64) from the two jars: a jlink runtime
# each, launchers, systemd units, manual pages, completion, copyright, changelog, maintainer scripts; then
# dpkg-deb. Reproducible: the same jars, sources and JDK give the same bytes (every file and the archive
# members carry --timestamp, owners are root, the file list is sorted by dpkg-deb).
# Called by image/pom.xml in the package phase; `make image` runs it through Maven.
set -euo pipefail

while [ $# -gt 0 ]; do
    case $1 in
        --version) version=$2 ;;
        --timestamp) timestamp=$2 ;;
        --jdk) jdk=$2 ;;
        --appliance-jar) appliance_jar=$2 ;;
        --gateway-jar) gateway_jar=$2 ;;
        --out) out=$2 ;;
        *) echo "build-debs.sh: unknown option $1" >&2; exit 100 ;;
    esac
    shift 2
done
src=$(cd "$(dirname "$0")" && pwd)
image=$(cd "$src/../.." && pwd)

# Debian's version: the POM's, with a SNAPSHOT sorting before its release (0.1.0~SNAPSHOT < 0.1.0)
debversion=${version/-/\~}
export SOURCE_DATE_EPOCH
SOURCE_DATE_EPOCH=$(date -u -d "$timestamp" +%s)
export TZ=UTC LC_ALL=C.UTF-8
umask 022

# Modules: java.base; java.logging (BouncyCastle's registrar), java.management (tinylog), jdk.unsupported
# (sun.misc.Unsafe for Netty and JNA). jdeps also names java.desktop, java.naming and java.sql: only for
# code paths Palisade never takes (tinylog's JDBC writer, JavaBeans); the package tests run every program.
modules=java.base,java.logging,java.management,jdk.unsupported

runtime=$out/runtime
rm -rf "$runtime"
"$jdk/bin/jlink" --add-modules "$modules" --strip-debug --no-header-files --no-man-pages \
    --compress=0 --output "$runtime"
# what an appliance never runs: the key tool, the jimage file system for other JDKs, the legal notices
# (their content is in each package's copyright file)
rm -f "$runtime/bin/keytool" "$runtime/lib/jrt-fs.jar"
rm -rf "$runtime/legal"
# Debian's JDK keeps symbol tables (Debian policy 10.1 wants them stripped): strip as dh_strip does
strip_elf() {
    local f
    for f in "$@"; do
        case $f in
            *.so) strip --remove-section=.comment --remove-section=.note --strip-unneeded "$f" ;;
            *) strip --remove-section=.comment --remove-section=.note "$f" ;;
        esac
    done
}
chmod u+w -R "$runtime"
strip_elf $(find "$runtime" -type f \( -name '*.so' -o -path '*/bin/*' -o -name jspawnhelper -o -name jexec \))

# gz: maximal compression, no name or time stamp (man pages and changelogs, Debian policy 12.3)
gz() { gzip -9nc "$1" > "$2"; }

# stage PACKAGE LIBDIR JAR: the package's tree under $out/deb/PACKAGE
stage() {
    local pkg=$1 lib=$2 jar=$3 root=$out/deb/$1
    rm -rf "$root"
    mkdir -p "$root/DEBIAN" "$root$lib" "$root/usr/sbin" "$root/lib/systemd/system" \
        "$root/usr/share/doc/$pkg" "$root/usr/share/man/man8" "$root/usr/share/bash-completion/completions" \
        "$root/usr/share/$pkg"
    cp -a "$runtime" "$root$lib/runtime"
    cp "$jar" "$root$lib/$(basename "$jar")"
    cp "$src/../cds/$pkg.classlist" "$root$lib/classes.list"
    cp "$src/../cds/$pkg-client.classlist" "$root$lib/client.list"
    # JNA's native part (jna.boot.library.path) and Netty's epoll transport (java.library.path, which Netty
    # tries before it unpacks its copy from the jar), loaded from here instead of unpacked into /tmp at every
    # start: the unpacking cost 15 ms of every `fence_palisade` and a file in /tmp for every process
    mkdir -p "$root$lib/native"
    unzip -p "$jar" com/sun/jna/linux-x86-64/libjnidispatch.so > "$root$lib/native/libjnidispatch.so"
    unzip -p "$jar" META-INF/native/libnetty_transport_native_epoll_x86_64.so \
        > "$root$lib/native/libnetty_transport_native_epoll_x86_64.so"
    strip_elf "$root$lib/native/libjnidispatch.so" "$root$lib/native/libnetty_transport_native_epoll_x86_64.so"
    mkdir -p "$root/usr/share/lintian/overrides"
    sed "s|@LIB@|${lib#/}|g" "$src/common/lintian-overrides" > "$root/usr/share/lintian/overrides/$pkg"
    install -m 0755 "$src/common/share-classes" "$root$lib/share-classes"
    install -m 0644 "$src/common/daemon.jvm" "$src/common/client.jvm" "$root$lib/"
    mkdir -p "$root$lib/bin"
    install -m 0755 "$src/$pkg/fence_palisade" "$root$lib/bin/fence_palisade"
    install -m 0644 "$src/$pkg/$pkg.service" "$root/lib/systemd/system/$pkg.service"
    install -m 0644 "$src/common/copyright" "$root/usr/share/doc/$pkg/copyright"
    sed -e "s/@PACKAGE@/$pkg/g" -e "s/@VERSION@/$debversion/g" \
        -e "s/@DATE@/$(date -u -R -d "@$SOURCE_DATE_EPOCH")/g" "$src/common/changelog.in" > "$out/changelog.$pkg"
    gz "$out/changelog.$pkg" "$root/usr/share/doc/$pkg/changelog.gz"
    # fence_palisade is in both packages: its page and completion follow /usr/sbin/fence_palisade's alternative
    gz "$src/man/fence_palisade.8" "$root/usr/share/$pkg/fence_palisade.8.gz"
    install -m 0644 "$src/common/fence_palisade.bash-completion" "$root/usr/share/$pkg/fence_palisade.bash-completion"
    for script in postinst prerm postrm; do
        install -m 0755 "$src/$pkg/$script" "$root/DEBIAN/$script"
    done
}

stage palisade /usr/lib/palisade "$appliance_jar"
root=$out/deb/palisade
install -m 0755 "$src/palisade/palisade" "$root/usr/sbin/palisade"
mkdir -p "$root/etc/palisade" "$root/usr/share/man/man5"
install -m 0644 "$src/palisade/palisade.conf" "$root/etc/palisade/palisade.conf"
install -m 0644 "$src/palisade/conffiles" "$root/DEBIAN/conffiles"
gz "$src/man/palisade.8" "$root/usr/share/man/man8/palisade.8.gz"
gz "$src/man/palisade-ctl.8" "$root/usr/share/man/man8/palisade-ctl.8.gz"
gz "$src/man/palisade-console.8" "$root/usr/share/man/man8/palisade-console.8.gz"
gz "$src/man/palisade.conf.5" "$root/usr/share/man/man5/palisade.conf.5.gz"
install -m 0644 "$src/palisade/palisade.bash-completion" "$root/usr/share/bash-completion/completions/palisade"
# the serial console: the admin account's shell and the getty on ttyS0 (docs/operator-surface.md)
install -m 0755 "$src/palisade/palisade-console" "$root/usr/sbin/palisade-console"
mkdir -p "$root/lib/systemd/system/serial-getty@ttyS0.service.d"
install -m 0644 "$src/palisade/serial-getty-ttyS0.conf" "$root/lib/systemd/system/serial-getty@ttyS0.service.d/palisade.conf"

stage palisade-fence-gateway /usr/lib/palisade/fence-gateway "$gateway_jar"
root=$out/deb/palisade-fence-gateway
install -m 0755 "$src/palisade-fence-gateway/palisade-fence-gateway" "$root/usr/sbin/palisade-fence-gateway"
gz "$src/man/palisade-fence-gateway.8" "$root/usr/share/man/man8/palisade-fence-gateway.8.gz"
install -m 0644 "$src/palisade-fence-gateway/palisade-fence-gateway.bash-completion" \
    "$root/usr/share/bash-completion/completions/palisade-fence-gateway"

for pkg in palisade palisade-fence-gateway; do
    root=$out/deb/$pkg
    # modes: directories 0755, files 0644 but programs; shared objects need no execute bit
    find "$root" -type d -exec chmod 0755 {} +
    find "$root" -type f ! -path "$root/DEBIAN/*" -exec chmod 0644 {} +
    chmod 0755 "$root"/usr/sbin/* "$root"/usr/lib/palisade/*bin/* 2>/dev/null || true
    for x in bin/java lib/jspawnhelper; do
        find "$root" -path "*/runtime/$x" -exec chmod 0755 {} +
    done
    find "$root" -path '*/bin/fence_palisade' -exec chmod 0755 {} +
    find "$root" -name share-classes -exec chmod 0755 {} +
    (cd "$root" && find . -type f ! -path './DEBIAN/*' -printf '%P\0' | sort -z | xargs -0 md5sum) \
        > "$root/DEBIAN/md5sums"
    chmod 0644 "$root/DEBIAN/md5sums"
    size=$(du -sk --apparent-size --exclude=DEBIAN "$root" | cut -f1)
    sed -e "s/@VERSION@/$debversion/" -e "s/@INSTALLED_SIZE@/$size/" "$src/$pkg/control.in" > "$root/DEBIAN/control"
    chmod 0644 "$root/DEBIAN/control"
    find "$root" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
    deb=$out/${pkg}_${debversion}_amd64.deb
    dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" > /dev/null
    echo "build-debs.sh: $deb ($(du -k "$deb" | cut -f1) KiB, installed $size KiB)"
done
