package io.kipvs.ipvs.tool;

import io.kipvs.ipvs.IpvsClient;
import io.kipvs.ipvs.IpvsInfo;
import io.kipvs.ipvs.NetlinkException;
import io.kipvs.ipvs.VirtualServerStatus;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * {@code ./kipvs ipvs list [--stats]}: the kernel's IPVS table read through our client, printed as
 * {@code ipvsadm -Sn} prints it, or with {@code --stats} as {@code ipvsadm -Ln --stats}.
 */
public final class IpvsList {
  private IpvsList() {}

  public static void main(String[] args) {
    boolean stats = false;
    for (String arg : args) {
      if (arg.equals("--stats")) {
        stats = true;
      } else {
        System.err.println("usage: kipvs ipvs list [--stats]   (unknown argument: " + arg + ")");
        System.exit(2);
      }
    }
    PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
    try (IpvsClient client = IpvsClient.open()) {
      List<VirtualServerStatus> table = client.dumpAll();
      if (stats) {
        IpvsInfo info = client.info();
        out.print(
            "IP Virtual Server version "
                + info.versionString()
                + " (size="
                + info.connectionTableSize()
                + ")\n");
        out.print(IpvsadmFormat.stats(table));
      } else {
        out.print(IpvsadmFormat.save(table));
      }
      out.flush();
    } catch (NetlinkException e) {
      System.err.println("kipvs: " + e.getMessage());
      System.exit(1);
    }
  }
}
