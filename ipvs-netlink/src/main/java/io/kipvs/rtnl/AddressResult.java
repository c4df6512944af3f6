package io.kipvs.rtnl;

import io.kipvs.ipvs.NetlinkException;
import java.util.Optional;

/** The outcome of one address change of a batch: success, or the kernel's error for it. */
public record AddressResult(AddressOperation operation, Optional<NetlinkException> error) {
  public boolean succeeded() {
    return error.isEmpty();
  }
}
