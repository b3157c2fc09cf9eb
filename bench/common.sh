# Sourced by the benchmark scripts and scripts/run-demo.sh, after they set $top (the checkout).

# The classpath: the product jar, the benchmark classes, the modules' test harness (the labs, ipmi_sim and
# daemon helpers) and the benchmark's own libraries.
bench_classpath() {
    local cp=$top/image/target/palisade.jar:$top/bench/target/classes m j
    for m in drivers fence-daemon/server supervisor; do cp=$cp:$(ls "$top"/$m/target/palisade-*-tests.jar); done
    for j in "$top"/bench/target/lib/*.jar; do cp=$cp:$j; done
    echo "$cp"
}

# The start of a results section's "Machine:" line: cores, memory, kernel and Java; the caller adds the peers'
# versions.
machine_line() {
    echo "Machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr);" \
         "$(java -version 2>&1 | head -1);"
}

# The path of a package `make image` builds (palisade or palisade-fence-gateway), built first when it is
# missing. Its version is the parent POM's first <version>, with Debian's ~ for the dash of -SNAPSHOT.
package_deb() {
    local version deb
    version=$(sed -n 's|^  <version>\(.*\)</version>$|\1|p' "$top/pom.xml" | head -1)
    deb=$top/image/target/$1_${version/-/\~}_amd64.deb
    [ -f "$deb" ] || (cd "$top" && mvn -B -q -DskipTests package -pl image -am >&2) || return
    echo "$deb"
}
