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
