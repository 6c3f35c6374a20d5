package dev.vipctl.linux;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import dev.vipctl.os.posix.LibC;

import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Tells systemd how the service is doing (docs/linux.md#telling-systemd), as sd_notify(3) does without libsystemd:
 * each state is one datagram to the AF_UNIX socket named by {@code $NOTIFY_SOCKET}, sent with sendto; the kernel adds
 * the sender's pid, by which systemd's {@code NotifyAccess=main} knows it. Without {@code $NOTIFY_SOCKET} (not started
 * by systemd, or not as {@code Type=notify}) it does nothing. A failure to send is logged once and never stops anything:
 * systemd then counts the start-up timeout or the watchdog as it would for a process that said nothing.
 */
public final class SystemdNotifier {
    /** bits/socket_type.h */
    private static final int SOCK_DGRAM = 2;
    /** bits/socket_type.h: O_CLOEXEC (02000000), so that no child inherits the socket */
    private static final int SOCK_CLOEXEC = 0x80000;

    private final String socketName;
    /** The encoded {@link #socketName}, or null: nothing is sent. */
    private final Memory address;
    private final int addressLength;
    private final long watchdogMicros;
    private final Consumer<String> log;
    private int fd = -1;
    private boolean failureLogged;

    private SystemdNotifier(String socketName, byte[] address, long watchdogMicros, Consumer<String> log) {
        this.socketName = socketName;
        this.addressLength = address == null ? 0 : address.length;
        this.address = address == null ? null : new Memory(address.length);
        if (address != null) {
            this.address.write(0, address, 0, address.length);
        }
        this.watchdogMicros = address == null ? 0 : watchdogMicros;
        this.log = log;
    }

    /**
     * The notifier of this process: {@code $NOTIFY_SOCKET}, and the watchdog's interval from {@code $WATCHDOG_USEC} when
     * {@code $WATCHDOG_PID} is unset or {@code pid} (systemd sets it to the main process's pid, so that a child that
     * inherited the environment does not answer for its parent). A value that cannot be used is logged and ignored.
     */
    public static SystemdNotifier fromEnvironment(Map<String, String> environment, long pid, Consumer<String> log) {
        String socketName = environment.get("NOTIFY_SOCKET");
        if (socketName == null || socketName.isEmpty()) {
            return new SystemdNotifier(null, null, 0, log);
        }
        byte[] address;
        try {
            address = SockaddrUn.encode(ByteOrder.nativeOrder(), socketName);
        } catch (IllegalArgumentException e) {
            log.accept("NOTIFY_SOCKET ignored, systemd will not hear from this process: " + e.getMessage());
            return new SystemdNotifier(null, null, 0, log);
        }
        return new SystemdNotifier(socketName, address, watchdogMicros(environment, pid, log), log);
    }

    /** sd_watchdog_enabled(3): the interval in µs, or 0 when the watchdog is off or is another process's. */
    static long watchdogMicros(Map<String, String> environment, long pid, Consumer<String> log) {
        String interval = environment.get("WATCHDOG_USEC");
        if (interval == null) {
            return 0;
        }
        String watchdogPid = environment.get("WATCHDOG_PID");
        if (watchdogPid != null && !watchdogPid.equals(Long.toString(pid))) {
            return 0;
        }
        try {
            long micros = Long.parseLong(interval);
            if (micros > 0) {
                return micros;
            }
        } catch (NumberFormatException e) {
            // said below
        }
        log.accept("WATCHDOG_USEC=" + interval + " ignored (not a positive number of microseconds): no watchdog");
        return 0;
    }

    /** The watchdog's interval in µs, or 0 without a watchdog. */
    public long watchdogMicros() {
        return watchdogMicros;
    }

    /** Sends one state, such as "READY=1" (lines of their own: "READY=1\nSTATUS=..."). */
    public synchronized void send(String state) {
        if (address == null) {
            return;
        }
        if (fd < 0) {
            fd = LibC.socket(SockaddrUn.AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
            if (fd < 0) {
                failed(state, "cannot open an AF_UNIX datagram socket", Native.getLastError());
                return;
            }
        }
        byte[] text = state.getBytes(StandardCharsets.UTF_8);
        try (Memory message = new Memory(text.length)) {
            message.write(0, text, 0, text.length);
            if (LibC.sendto(fd, message, new NativeLong(text.length), 0, address, addressLength).longValue() < 0) {
                failed(state, "cannot send to NOTIFY_SOCKET=" + socketName, Native.getLastError());
            }
        }
    }

    private void failed(String state, String what, int errno) {
        if (!failureLogged) {
            failureLogged = true;
            log.accept(what + " (" + state.replace('\n', ' ') + "): " + Errno.describe(errno)
                    + "; going on without telling systemd (later failures are not logged)");
        }
    }

    /**
     * Sends "WATCHDOG=1" every half {@link #watchdogMicros()} while {@code alive} says so, from a daemon thread of its
     * own; does nothing without a watchdog. A process that stops being alive stops the pings, and systemd then acts as
     * its {@code WatchdogSec=} unit says.
     */
    public void startWatchdog(BooleanSupplier alive) {
        if (watchdogMicros == 0) {
            return;
        }
        long periodMillis = Math.max(1, watchdogMicros / 2000);
        Thread thread = new Thread("systemd-watchdog") {
            @Override
            public void run() {
                while (true) {
                    if (alive.getAsBoolean()) {
                        send("WATCHDOG=1");
                    }
                    try {
                        Thread.sleep(periodMillis);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }
        };
        thread.setDaemon(true);
        thread.start();
    }
}
