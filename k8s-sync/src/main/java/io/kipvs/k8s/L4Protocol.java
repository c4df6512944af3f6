package io.kipvs.k8s;

/** The protocols a Service port can use. */
public enum L4Protocol {
  TCP,
  UDP,
  SCTP
}
