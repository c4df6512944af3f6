package io.kipvs.ipvs;

import java.net.InetAddress;
import java.util.Objects;

/**
 * What identifies an IPVS virtual server in the kernel: protocol, address and port, or a firewall
 * mark with its address family. Two keys are equal exactly when the kernel would treat them as the
 * same service.
 */
public sealed interface VirtualServerKey permits VirtualServerKey.Address, VirtualServerKey.Fwmark {

  AddressFamily family();

  /** A virtual server on an address and port, for one transport protocol. */
  record Address(Protocol protocol, InetAddress address, int port) implements VirtualServerKey {
    public Address {
      Objects.requireNonNull(protocol, "protocol");
      Objects.requireNonNull(address, "address");
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("port out of range: " + port);
      }
    }

    @Override
    public AddressFamily family() {
      return AddressFamily.of(address);
    }

    // Written out rather than the record's own: the daemon runs the quick compiler only
    // (jvm.options), which runs a record's generated equals and hashCode through method handles
    // several times slower than this (BENCHMARKS.md), and keys are hashed on every sync.
    @Override
    public boolean equals(Object o) {
      return this == o
          || (o instanceof Address a
              && port == a.port
              && protocol == a.protocol
              && address.equals(a.address));
    }

    @Override
    public int hashCode() {
      return (protocol.hashCode() * 31 + address.hashCode()) * 31 + port;
    }
  }

  /** A virtual server matching packets by firewall mark. */
  record Fwmark(AddressFamily family, int mark) implements VirtualServerKey {
    public Fwmark {
      Objects.requireNonNull(family, "family");
      if (mark == 0) {
        throw new IllegalArgumentException("fwmark must not be 0");
      }
    }

    // Written out rather than the record's own, as Address's.
    @Override
    public boolean equals(Object o) {
      return this == o || (o instanceof Fwmark f && mark == f.mark && family == f.family);
    }

    @Override
    public int hashCode() {
      return family.hashCode() * 31 + mark;
    }
  }
}
