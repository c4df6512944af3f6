package io.kipvs.daemon.config;

import picocli.CommandLine.IVersionProvider;

/** --version: the jar's version. */
final class Version implements IVersionProvider {
  @Override
  public String[] getVersion() {
    String v = Version.class.getPackage().getImplementationVersion();
    return new String[] {"kipvs " + (v == null ? "(development build)" : v)};
  }
}
