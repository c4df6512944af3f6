package io.kipvs.k8s;

import java.util.Objects;

/** One port of one Service: what a virtual server set is made for. */
public record ServicePortName(ServiceName service, String portName, L4Protocol protocol) {
  public ServicePortName {
    Objects.requireNonNull(service, "service");
    Objects.requireNonNull(portName, "portName");
    Objects.requireNonNull(protocol, "protocol");
  }

  @Override
  public String toString() {
    return service + (portName.isEmpty() ? "" : ":" + portName) + "/" + protocol;
  }
}
