package io.kipvs.e2e.testbed;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Renders a node's init script (PID 1 inside the node).
 *
 * <p>It mounts what a node needs, loads all kernel modules with one modprobe (each modprobe costs a
 * process start, which is slow in UML), sets up the network, then serves commands read from the
 * console: a line {@code run ID SECONDS} runs {@code /run/out/cmd/ID.sh} in the background under
 * {@code timeout}, with output to files next to it, and prints {@code @@kipvs-done ID EXIT}.
 * Command text and output never travel over the console, so kernel messages there cannot garble
 * them. When the console reaches end of file (the test JVM died), the node halts itself.
 */
final class InitScript {
  static final String READY = "@@kipvs-ready";
  static final String BOOT_FAILED = "@@kipvs-boot-failed";
  static final String DONE = "@@kipvs-done";

  /** Folder inside the node where iptables & co. point at the legacy backend; first on PATH. */
  static final String LEGACY_BIN = "/run/kipvs/bin";

  private static final List<String> LEGACY_TOOLS =
      List.of(
          "iptables",
          "iptables-save",
          "iptables-restore",
          "ip6tables",
          "ip6tables-save",
          "ip6tables-restore");

  /** Where tests put cluster, external and load-balancer IPs; unreachable unless bound. */
  static final List<String> SERVICE_RANGES =
      List.of("10.96.0.0/12", "192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24");

  private InitScript() {}

  /**
   * @param hostOutputDir the host folder mounted writable at /run/out in the node
   * @param switchAddress the node's address (with prefix) on eth1, when it is on a switch
   * @param switchAddress6 the node's IPv6 address (with prefix) on eth1, when it is on a switch
   */
  static String render(
      String nodeName,
      Path hostOutputDir,
      List<String> modules,
      boolean hostLink,
      Optional<String> switchAddress,
      Optional<String> switchAddress6,
      String podGateway,
      String podGateway6) {
    StringBuilder boot = new StringBuilder();
    boot.append("hostname ").append(nodeName).append('\n');
    boot.append("ip link set lo up\n");
    boot.append("ln -s /usr/lib/uml/modules/$(uname -r) /run/mods/lib/modules/\n");
    if (!modules.isEmpty()) {
      String names = String.join(" ", modules);
      // A module that does not load must not stop the node: the test that needs it fails, and
      // the console (shown with every failure) says which one it was.
      boot.append("modprobe -a -d /run/mods ").append(names).append(" || true\n");
      boot.append("for m in ")
          .append(names)
          .append(
              "; do [ -d /sys/module/$m ] || echo \"kipvs: module $m did not load\" >&3; done\n");
    }
    for (String tool : LEGACY_TOOLS) {
      boot.append("ln -s /usr/sbin/")
          .append(tool.replaceFirst("^(ip6?tables)", "$1-legacy"))
          .append(' ')
          .append(LEGACY_BIN)
          .append('/')
          .append(tool)
          .append('\n');
    }
    boot.append("echo 1 > /proc/sys/net/ipv4/ip_forward\n");
    // A node routes IPv6 between pods and nodes as it does IPv4 (a node's CNI sets this).
    boot.append("echo 1 > /proc/sys/net/ipv6/conf/all/forwarding\n");
    // No duplicate address detection on links made later (pods' veths): an address stays
    // "tentative" until DAD ends, and the first packets from or to it fail meanwhile.
    boot.append("echo 0 > /proc/sys/net/ipv6/conf/default/accept_dad\n");
    // Pods route to this address; the node answers ARP for it on every pod's veth.
    boot.append("ip addr add ").append(podGateway).append("/32 dev lo\n");
    boot.append("ip addr add ").append(podGateway6).append("/128 dev lo nodad\n");
    if (hostLink) {
      boot.append("ip addr add 10.0.2.15/24 dev eth0\n");
      boot.append("ip link set eth0 up\n");
      boot.append("ip route add default via 10.0.2.2\n");
      // The default route leads through slirp into the host's network, where whoever runs the
      // tests may answer on these very addresses (a cluster of its own): a service address that
      // is not on kube-ipvs0 must fail in the node, not reach someone else's server. So the
      // ranges tests use for service addresses (services, documentation) never leave a node.
      for (String range : SERVICE_RANGES) {
        boot.append("ip route add unreachable ").append(range).append('\n');
      }
    }
    switchAddress.ifPresent(a -> boot.append("ip addr add ").append(a).append(" dev eth1\n"));
    switchAddress6.ifPresent(
        a -> boot.append("ip addr add ").append(a).append(" dev eth1 nodad\n"));
    if (switchAddress.isPresent() || switchAddress6.isPresent()) {
      boot.append("ip link set eth1 up\n");
    }

    return """
        #!/bin/sh
        # PID 1 of kipvs test node %1$s, written by io.kipvs.e2e.testbed.InitScript.
        PATH=%2$s:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
        export PATH
        mount -t proc proc /proc
        mount -t sysfs sys /sys
        mount -t tmpfs run /run
        mount -t tmpfs tmp /tmp
        echo 1 > /proc/sys/kernel/printk
        mkdir -p /run/out %2$s /run/mods/lib/modules /run/pods
        exec 3>&1
        if mount -t hostfs none /run/out -o %3$s && mkdir -p /run/out/cmd; then
          ( set -ex
        %4$s
          ) > /run/out/boot.log 2>&1
          status=$?
        else
          status=1
        fi
        stty -echo -onlcr 2>/dev/null
        if [ "$status" = 0 ]; then
          echo "%5$s"
          while read -r verb id secs; do
            case "$verb" in
              run) ( timeout -k 5 "$secs" /bin/sh "/run/out/cmd/$id.sh" </dev/null \\
                       >"/run/out/cmd/$id.out" 2>"/run/out/cmd/$id.err"
                     echo "%6$s $id $?" ) & ;;
              halt) break ;;
            esac
          done
        else
          cat /run/out/boot.log 2>/dev/null
          echo "%7$s $status"
        fi
        halt -f
        """
        .formatted(
            nodeName,
            LEGACY_BIN,
            Shell.quote(hostOutputDir.toString()),
            boot.toString().indent(2).stripTrailing(),
            READY,
            DONE,
            BOOT_FAILED);
  }
}
