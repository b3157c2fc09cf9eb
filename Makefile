# Palisade: see README.md. `make run` starts the demo, `make test` runs everything CI runs.
SHELL := /bin/bash
MVN ?= mvn -B -q
# Debian packages the build, the tests and the demo need (installed idempotently by `make deps`).
PACKAGES := openjdk-17-jdk-headless maven fence-virt fence-virtd libvirt0 socat iproute2 procps openipmi ipmitool fence-agents keepalived e2fsprogs mount mariadb-server mariadb-client resource-agents heartbeat corosync corosync-qnetd corosync-qdevice galera-4 galera-arbitrator-4 rsync pacemaker pacemaker-cli-utils

.PHONY: all build deps test run bench acceptance clean

all: build

deps:
	@missing=$$(for p in $(PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing: $$missing"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get install -y -q --no-install-recommends $$missing || { apt-get update -q && apt-get install -y -q --no-install-recommends $$missing; }; \
	fi

build:
	$(MVN) -DskipTests install

test: deps
	mvn -B -ntp install -Dstyle.color=never $(MVN_ARGS) 2>&1 | tee target-test.log | grep -Ev '^\[INFO\] (Download|Progress)' ; exit $${PIPESTATUS[0]}

run: deps build
	bash scripts/run-demo.sh

bench: deps build
	bash bench/fence-daemon-bench.sh
	bash bench/membership-bench.sh
	bash bench/ipmi-bench.sh
	bash bench/vrrp-bench.sh
	bash bench/pair-bench.sh
	bash bench/pair-pacemaker-bench.sh
	bash bench/cluster-bench.sh

# Long end-to-end scenarios outside make test's time budget; each part has its own script.
acceptance: deps
	bash scripts/acceptance-cluster.sh

clean:
	$(MVN) clean
	rm -f target-test.log
