#!/usr/bin/env bash
# The main job (./kipvs demo [requests]): boots two user-mode-linux nodes with the e2e test kit,
# fills fabric8's mock API server with a sample application (web and db Services with pods), runs
# kipvs on each node as the DaemonSet does, prints `ipvsadm -Ln` of each node and which pod
# answered how many requests, then tears everything down. Ctrl-C leaves no process behind: the
# JVM's shutdown hook ends the nodes, and a node whose console closes halts itself.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
E2E_JAR="$ROOT/e2e/target/e2e-0.1.0-SNAPSHOT.jar"
CLASSPATH_FILE="$ROOT/e2e/target/runtime.classpath"

if [ ! -f "$E2E_JAR" ] || [ ! -f "$CLASSPATH_FILE" ]; then
  echo "kipvs demo: building (first run)..." >&2
  (cd "$ROOT" && mvn -B -q package -DskipTests -Dspotless.check.skip=true) >&2
fi

exec java -cp "$E2E_JAR:$(cat "$CLASSPATH_FILE")" \
  -Dkipvs.testbed.dir="$ROOT/e2e/target/testbed" \
  io.kipvs.e2e.demo.ClusterDemo "$@"
