package dev.vipctl.lab;

import dev.vipctl.agent.ExitCode;
import dev.vipctl.agent.TakeoverException;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code vipctl demo}: builds a throwaway lab (two HA hosts and a client on one bridge), moves the VIP from host A
 * to host B and back with the real {@code vipctl} launcher, and shows what the client saw: which MAC its neighbour
 * entry for the VIP points at, and the longest gap in its ping replies. The lab is removed at the end, on failure,
 * and on Ctrl-C.
 */
public final class Demo {
    /** Set by the launcher: the distribution's directory (holding bin/vipctl). */
    public static final String HOME_PROPERTY = "vipctl.home";
    private static final int PING_INTERVAL_MS = 5;

    private final PrintStream out;
    private final String launcher;
    private final NamespaceLab lab;

    private Demo(PrintStream out, String launcher, NamespaceLab lab) {
        this.out = out;
        this.launcher = launcher;
        this.lab = lab;
    }

    public static int run(PrintStream out, PrintStream err) {
        Path launcher;
        try {
            launcher = launcherForLab("demo");
        } catch (TakeoverException e) {
            err.println("vipctl demo: " + e.getMessage());
            return e.exitCode().code();
        }
        for (String[] tool : new String[][] {{"ip", "iproute2"}, {"ping", "iputils-ping"}}) {
            if (!Shell.onPath(tool[0])) {
                err.println("vipctl demo: needs '" + tool[0] + "' (Debian/Ubuntu: apt-get install " + tool[1] + ")");
                return ExitCode.BAD_INPUT.code();
            }
        }
        out.println("Building a throwaway lab: namespaces for host-a, host-b and a client, on one bridge (198.51.100.0/24)...");
        NamespaceLab lab;
        try {
            lab = NamespaceLab.create(); // on failure it has already removed what it built
        } catch (RuntimeException e) {
            err.println("vipctl demo: cannot build the lab: " + e.getMessage());
            return ExitCode.INTERNAL_ERROR.code();
        }
        try (lab) {
            return new Demo(out, launcher.toString(), lab).show();
        } catch (RuntimeException | InterruptedException e) {
            err.println("vipctl demo: " + e.getMessage());
            return ExitCode.INTERNAL_ERROR.code();
        } finally {
            out.println("Lab removed.");
        }
    }

    /**
     * What the lab commands (demo, bench) need before they build a lab: this installation's launcher, which they run
     * inside the lab's namespaces, and root.
     */
    static Path launcherForLab(String command) throws TakeoverException {
        String home = System.getProperty(HOME_PROPERTY);
        if (home == null || !Files.isExecutable(Path.of(home, "bin", "vipctl"))) {
            throw new TakeoverException(ExitCode.BAD_INPUT, "run it through the vipctl launcher (it sets -D" + HOME_PROPERTY + ")");
        }
        if (!NamespaceLab.isRoot()) {
            throw new TakeoverException(ExitCode.NOT_PRIVILEGED, "needs root to create network namespaces: sudo ./vipctl " + command);
        }
        return Path.of(home, "bin", "vipctl");
    }

    private int show() throws InterruptedException {
        NamespaceLab.Host a = lab.hostA();
        NamespaceLab.Host b = lab.hostB();
        NamespaceLab.Host client = lab.client();
        String vip = NamespaceLab.VIP_WITH_PREFIX;
        for (NamespaceLab.Host host : List.of(a, b, client)) {
            out.println("  " + host);
        }
        out.println("\n1. host-a becomes primary:");
        if (!vipctl(a, "up", "--interface", NamespaceLab.INTERFACE, "--vip", vip)) {
            return ExitCode.INTERNAL_ERROR.code();
        }
        try (ClientPing ping = ClientPing.start(client, NamespaceLab.VIP, PING_INTERVAL_MS)) {
            if (!ping.awaitReplyAfter(0, 3000)) {
                out.println("   the client gets no reply from " + NamespaceLab.VIP + "; stopping.");
                return ExitCode.INTERNAL_ERROR.code();
            }
            out.println("   client pings " + NamespaceLab.VIP + " every " + PING_INTERVAL_MS + " ms; its neighbour entry: " + neighbour());

            boolean ok = switchOver(ping, a, b, "2. switchover: host-a goes backup, host-b becomes primary")
                    && switchOver(ping, b, a, "3. and back: host-b goes backup, host-a becomes primary");
            if (!ok) {
                return ExitCode.INTERNAL_ERROR.code();
            }
        }
        out.println("\nThe gap is what the client lost while the VIP moved: 'down' and 'up' each start a JVM here;"
                + "\nthe gratuitous ARP moved the client's entry at once. The vendor's ifconfig scripts send none:"
                + "\nthe client keeps the old MAC until its entry expires (over 38 s in our lab).");
        return ExitCode.OK.code();
    }

    private boolean switchOver(ClientPing ping, NamespaceLab.Host from, NamespaceLab.Host to, String title) throws InterruptedException {
        String vip = NamespaceLab.VIP_WITH_PREFIX;
        out.println("\n" + title + ":");
        long startMicros = nowMicros();
        boolean moved = vipctl(from, "down", "--interface", NamespaceLab.INTERFACE, "--vip", vip)
                && vipctl(to, "up", "--interface", NamespaceLab.INTERFACE, "--vip", vip);
        long endMicros = nowMicros();
        if (!moved) {
            return false;
        }
        boolean answered = ping.awaitReplyAfter(endMicros, 3000);
        out.println("   client's neighbour entry: " + neighbour());
        if (!answered) {
            out.println("   the client gets no reply from " + NamespaceLab.VIP + " after the switch");
            return false;
        }
        ClientPing.Gap gap = ping.longestGap(startMicros, nowMicros());
        out.println(String.format(Locale.ROOT, "   client's longest gap between replies: %.1f ms (%d replies lost); down + up took %.1f ms"
                        + " (up returns after its last announcement)",
                gap.micros / 1000.0, gap.lostReplies, (endMicros - startMicros) / 1000.0));
        return true;
    }

    /** Runs the real launcher in a host's namespace and shows the command and its answer. */
    private boolean vipctl(NamespaceLab.Host host, String... args) {
        List<String> command = new ArrayList<>(List.of(launcher));
        command.addAll(List.of(args));
        out.println("   [" + host.role() + "] vipctl " + String.join(" ", args));
        Shell.Result result = Shell.run(host.command(command.toArray(new String[0])));
        for (String line : (result.stdout + result.stderr).split("\n")) {
            if (!line.isBlank()) {
                out.println("            " + line);
            }
        }
        return result.exitCode == 0;
    }

    private String neighbour() {
        String entry = lab.client().run("ip", "neigh", "show", NamespaceLab.VIP, "dev", NamespaceLab.INTERFACE).trim();
        if (entry.isEmpty()) {
            return "(none)";
        }
        String owner = entry.contains(lab.hostA().mac().toString()) ? "host-a" : entry.contains(lab.hostB().mac().toString()) ? "host-b" : "?";
        return entry + "  <- " + owner;
    }

    private static long nowMicros() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000 + now.getNano() / 1000;
    }
}
