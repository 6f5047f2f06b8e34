#!/usr/bin/env bash
# Resolves Apache Kafka's broker and its runtime dependencies from Maven Central into
# infra/kafka/lib (gitignored), for the infrastructure tests and the distributed benchmark.
# Idempotent: does nothing when lib/ already holds what pom.xml asks for. A warm ~/.m2 makes a
# fresh resolve take seconds; a cold one downloads about 40 MB once.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
lib="$here/lib"
stamp="$lib/.pom.sha256"

command -v mvn >/dev/null 2>&1 || { echo "resolve.sh: Maven (mvn) is needed: apt-get install maven" >&2; exit 1; }
command -v java >/dev/null 2>&1 || { echo "resolve.sh: Java 17+ is needed: apt-get install openjdk-17-jre-headless" >&2; exit 1; }

want="$(sha256sum "$here/pom.xml" | cut -d' ' -f1)"
if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]] && compgen -G "$lib/kafka_2.13-*.jar" >/dev/null; then
  exit 0
fi

# copy-dependencies never deletes: start clean so a version bump leaves no stale jar on the class path.
rm -rf "$lib"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
if ! mvn -B -Dstyle.color=never -f "$here/pom.xml" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$lib" >"$log" 2>&1; then
  grep -E '\[ERROR\]' "$log" | head -20 >&2
  echo "resolve.sh: Maven could not resolve Kafka (see the errors above; is Maven Central reachable?)" >&2
  exit 1
fi
echo "$want" >"$stamp"
echo "Kafka $(ls "$lib" | sed -n 's/^kafka_2\.13-\(.*\)\.jar$/\1/p') resolved into $lib ($(ls "$lib"/*.jar | wc -l) jars)"
