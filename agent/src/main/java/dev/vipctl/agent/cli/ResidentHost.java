package dev.vipctl.agent.cli;

import dev.vipctl.agent.Host;
import dev.vipctl.agent.Platforms;
import dev.vipctl.agent.TakeoverEngine;
import dev.vipctl.agent.TakeoverException;
import dev.vipctl.os.InterfaceAddress;
import dev.vipctl.os.NetInterface;
import dev.vipctl.os.NetworkOs;
import dev.vipctl.os.OsException;

import java.util.List;

/**
 * This host as the resident agent uses it: as {@link Platforms#THIS_HOST}, except that each request thread keeps its
 * network configuration (on Linux an rtnetlink socket) from one request to the next. Opening one (a socket, its bind
 * and four options) costs more than all the work of a 'down'; replies to an earlier request are told apart by their
 * sequence numbers. After an I/O failure the thread's socket is closed, and the next request opens a new one.
 */
final class ResidentHost implements Host {
    private final ThreadLocal<NetworkOs> kept = new ThreadLocal<>();

    @Override
    public NetworkOs open() throws TakeoverException {
        NetworkOs os = kept.get();
        if (os == null) {
            os = Platforms.open();
            kept.set(os);
        }
        NetworkOs socket = os;
        return new NetworkOs() {
            @Override
            public NetInterface resolve(String name) throws OsException {
                try {
                    return socket.resolve(name);
                } catch (OsException e) {
                    throw dropAfter(e);
                }
            }

            @Override
            public List<InterfaceAddress> addresses(NetInterface nic) throws OsException {
                try {
                    return socket.addresses(nic);
                } catch (OsException e) {
                    throw dropAfter(e);
                }
            }

            @Override
            public void add(NetInterface nic, InterfaceAddress address) throws OsException {
                try {
                    socket.add(nic, address);
                } catch (OsException e) {
                    throw dropAfter(e);
                }
            }

            @Override
            public void remove(NetInterface nic, InterfaceAddress address) throws OsException {
                try {
                    socket.remove(nic, address);
                } catch (OsException e) {
                    throw dropAfter(e);
                }
            }

            @Override
            public boolean promotesSecondaries(NetInterface nic) throws OsException {
                try {
                    return socket.promotesSecondaries(nic);
                } catch (OsException e) {
                    throw dropAfter(e);
                }
            }

            /** Kept for the thread's next request. */
            @Override
            public void close() {
            }

            /** A socket that failed is not trusted again; the kernel's refusals (EEXIST...) leave it as good as new. */
            private OsException dropAfter(OsException e) {
                if (e.reason() == OsException.Reason.IO && kept.get() == socket) {
                    kept.remove();
                    socket.close();
                }
                return e;
            }
        };
    }

    @Override
    public TakeoverEngine.ArpLinkOpener arpLinks() {
        return Platforms.ARP_LINKS;
    }
}
