# kipvs node proxy image: a JRE, the shaded daemon jar and the netfilter tools kipvs runs
# (iptables in both legacy and nft flavours, conntrack, modprobe from kmod), plus ipset and
# ipvsadm to look at what it wrote (kipvs itself writes ipsets and IPVS over netlink).
#
#   docker build -t kipvs:0.1.0 .
#
# from a clean clone, with nothing built before: the first stage builds the jar with Maven inside
# the image (.dockerignore keeps local target/ folders and .git out of the build context).
# deploy/daemonset.yaml runs the image by this name, kipvs:0.1.0 (README.md, "The image").
#
# The image answers to kube-proxy's command as well: /usr/local/bin/kube-proxy runs kipvs, so
# kube-proxy's own DaemonSet can switch its image to this one and keep its command line.

# --- build stage: the same Maven reactor build as ./kipvs, without tests ---
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY . .
RUN mvn -B -q package -DskipTests -Dspotless.check.skip=true -pl daemon -am \
 && cp daemon/target/daemon-*-all.jar /kipvs.jar \
 && mkdir /jffi && cd /jffi && jar xf /kipvs.jar jni \
 && find jni -mindepth 1 -maxdepth 1 ! -name '*-Linux' -exec rm -rf {} +

# --- runtime stage ---
FROM eclipse-temurin:17-jre-jammy
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      ipset iptables conntrack kmod ipvsadm \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /kipvs.jar /opt/kipvs/kipvs.jar
# jffi's native library, taken out of the jar once: jffi would otherwise write it to a temporary
# file at every start (daemon/README.md, "JVM options").
COPY --from=build /jffi/jni /opt/kipvs/jni
COPY daemon/src/main/resources/io/kipvs/daemon/jvm.options /opt/kipvs/jvm.options
COPY daemon/src/main/resources/io/kipvs/daemon/classes.lst /opt/kipvs/classes.lst
# Class-data sharing (daemon/README.md, "JVM options"): the classes kipvs loads until its first
# sync, parsed and verified once here, for this JRE and this jar (the JVM checks both at start).
RUN java -Xshare:dump -XX:SharedClassListFile=/opt/kipvs/classes.lst \
      -XX:SharedArchiveFile=/opt/kipvs/kipvs.jsa $(grep -v "^#" /opt/kipvs/jvm.options) \
      -cp /opt/kipvs/kipvs.jar
# The entry script (daemon/image/kipvs: jvm.options, the archive, jffi's library, every argument
# passed through, so `kubectl exec ds/kipvs -- kipvs explain NS/SVC` works as well). It execs java,
# so SIGTERM reaches the JVM and the shutdown hook stops kipvs cleanly (leaving every rule in place).
COPY daemon/image/kipvs /usr/local/bin/kipvs
RUN chmod 0755 /usr/local/bin/kipvs \
 && ln -s /usr/local/bin/kipvs /usr/local/bin/kube-proxy
# kipvs changes the host's network configuration: it runs as root in the host network namespace.
USER 0
ENTRYPOINT ["/usr/local/bin/kipvs"]
