package io.kipvs.rtnl;

import java.net.InetAddress;
import java.util.Objects;

/** One address change of a batch ({@link RouteNetlinkClient#apply}). */
public sealed interface AddressOperation {
  int linkIndex();

  InetAddress address();

  int prefixLength();

  /** RTM_NEWADDR: adds the address, or replaces it if the link has it already (idempotent). */
  record Add(int linkIndex, InetAddress address, int prefixLength) implements AddressOperation {
    public Add {
      Objects.requireNonNull(address, "address");
    }
  }

  /** RTM_DELADDR. */
  record Delete(int linkIndex, InetAddress address, int prefixLength) implements AddressOperation {
    public Delete {
      Objects.requireNonNull(address, "address");
    }
  }
}
