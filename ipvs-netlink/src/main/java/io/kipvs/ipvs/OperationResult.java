package io.kipvs.ipvs;

import java.util.Optional;

/** The outcome of one operation of a batch: success, or the kernel's error for it. */
public record OperationResult(IpvsOperation operation, Optional<NetlinkException> error) {
  public boolean succeeded() {
    return error.isEmpty();
  }
}
