package io.kipvs.k8s;

import java.util.Objects;

/** A Service's namespace and name: the unit change notifications are given in. */
public record ServiceName(String namespace, String name) implements Comparable<ServiceName> {
  public ServiceName {
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(name, "name");
  }

  @Override
  public int compareTo(ServiceName o) {
    int c = namespace.compareTo(o.namespace);
    return c != 0 ? c : name.compareTo(o.name);
  }

  @Override
  public String toString() {
    return namespace + "/" + name;
  }
}
