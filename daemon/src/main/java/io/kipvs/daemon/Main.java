package io.kipvs.daemon;

/** Entry point of the kipvs node proxy. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    System.err.println("kipvs: the daemon is not implemented yet");
    System.exit(1);
  }
}
