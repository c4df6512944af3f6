package io.kipvs.e2e.testbed;

import java.time.Duration;
import java.util.regex.Pattern;

/**
 * How to boot one node.
 *
 * @param name the node's name (host name, folder names, messages): lower case letters, digits, '-'
 * @param ipvs whether to load the IPVS modules (ip_vs, its schedulers, xt_ipvs); {@code false}
 *     boots a kernel without IPVS, to test how the code under test copes with that
 * @param hostLink whether to give the node a slirp link to the host's loopback: inside the node
 *     {@code eth0} is 10.0.2.15/24 with the default route via 10.0.2.2, and {@code 10.0.2.2:PORT}
 *     reaches {@code 127.0.0.1:PORT} on the host
 * @param memory the node's memory, as {@code mem=} takes it (e.g. "1G"); the JVM in a node needs a
 *     few hundred MiB
 * @param bootTimeout how long booting (kernel, modules, network) may take
 */
public record NodeOptions(
    String name, boolean ipvs, boolean hostLink, String memory, Duration bootTimeout) {

  private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9-]{0,30}");
  private static final Pattern MEMORY = Pattern.compile("[1-9][0-9]*[KMG]");

  public NodeOptions {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "node name '"
              + name
              + "' must match "
              + NAME.pattern()
              + " (it names folders and a host)");
    }
    if (memory == null || !MEMORY.matcher(memory).matches()) {
      throw new IllegalArgumentException(
          "memory '" + memory + "' of node " + name + " must look like 512M or 1G");
    }
    if (bootTimeout == null || bootTimeout.isNegative() || bootTimeout.isZero()) {
      throw new IllegalArgumentException("boot timeout of node " + name + " must be positive");
    }
  }

  /** IPVS loaded, no host link, 1 GiB of memory, 90 s to boot. */
  public static NodeOptions named(String name) {
    return new NodeOptions(name, true, false, "1G", Duration.ofSeconds(90));
  }

  public NodeOptions withName(String newName) {
    return new NodeOptions(newName, ipvs, hostLink, memory, bootTimeout);
  }

  public NodeOptions withoutIpvs() {
    return new NodeOptions(name, false, hostLink, memory, bootTimeout);
  }

  public NodeOptions withHostLink() {
    return new NodeOptions(name, ipvs, true, memory, bootTimeout);
  }

  public NodeOptions withMemory(String newMemory) {
    return new NodeOptions(name, ipvs, hostLink, newMemory, bootTimeout);
  }

  public NodeOptions withBootTimeout(Duration newBootTimeout) {
    return new NodeOptions(name, ipvs, hostLink, memory, newBootTimeout);
  }
}
