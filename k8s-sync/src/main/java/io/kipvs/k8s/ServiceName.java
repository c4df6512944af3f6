package io.kipvs.k8s;

import java.util.Objects;
import java.util.Optional;

/** A Service's namespace and name: the unit change notifications are given in. */
public record ServiceName(String namespace, String name) implements Comparable<ServiceName> {
  public ServiceName {
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(name, "name");
  }

  // Written out rather than the record's own: the daemon runs the quick compiler only, which runs a
  // record's generated equals and hashCode through method handles several times slower than this
  // (BENCHMARKS.md), and service names are hashed for every change and sync.
  @Override
  public boolean equals(Object o) {
    return this == o
        || (o instanceof ServiceName s && name.equals(s.name) && namespace.equals(s.namespace));
  }

  @Override
  public int hashCode() {
    return namespace.hashCode() * 31 + name.hashCode();
  }

  @Override
  public int compareTo(ServiceName o) {
    int c = namespace.compareTo(o.namespace);
    return c != 0 ? c : name.compareTo(o.name);
  }

  /** "namespace/name" as {@link #toString()} writes it; empty when the text is not of that form. */
  public static Optional<ServiceName> parse(String text) {
    int slash = text.indexOf('/');
    if (slash <= 0 || slash == text.length() - 1 || text.indexOf('/', slash + 1) >= 0) {
      return Optional.empty();
    }
    return Optional.of(new ServiceName(text.substring(0, slash), text.substring(slash + 1)));
  }

  @Override
  public String toString() {
    return namespace + "/" + name;
  }
}
