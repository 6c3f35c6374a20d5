package dev.vipctl.os;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What every {@link NetworkOs} promises, written once: each implementation, and each fake that stands in for an OS
 * which cannot run here, passes it by extending this class. Only the contract is checked here (the Javadoc of
 * {@link NetworkOs} and {@link OsException.Reason}); an OS's own behaviour beyond it, such as Linux's secondary
 * addresses, stays in that OS's own tests.
 *
 * <p>It lives in {@code native-bindings}' test-jar, beside {@link NetworkOs}, because every platform module already
 * depends on {@code native-bindings}: a platform module's fake (Windows, AIX and Solaris, whose OS cannot run here)
 * passes it in that module's own unit tests, without root and on any build machine, by depending on the test-jar
 * ({@code <type>test-jar</type><scope>test</scope>}). In the {@code tests} module it would pull the agent, the lab
 * and the launcher into every platform module's tests, and the agent depends on the platform modules.
 *
 * <p>A subclass gives a fresh OS for each test ({@link #openNetworkOs()}), whose interface {@link #existingInterface()}
 * is up, has carrier and runs ARP, and does not hold {@link #freeAddress()}.
 */
public abstract class NetworkOsContract {

    /** The OS under test, as it is at the start of one test; the test closes it. */
    protected abstract NetworkOs openNetworkOs() throws Exception;

    /** An Ethernet interface that exists, is up, has carrier and runs ARP. */
    protected abstract String existingInterface();

    /** The hardware address of {@link #existingInterface()}, as the OS's own tools show it. */
    protected abstract MacAddress existingInterfaceMac();

    /** A name no interface has. */
    protected abstract String missingInterface();

    /**
     * A TEST-NET address not configured on {@link #existingInterface()}, in a /24 that holds none of its addresses:
     * the contract adds it as /24 and as /32, and never meets another address of its subnet.
     */
    protected abstract IpAddress freeAddress();

    /** A label the OS keeps with an added address (Linux {@code eth0:1}); empty where addresses have none (Windows). */
    protected abstract Optional<String> label();

    /**
     * The interface's addresses read without the implementation under test (Linux: {@code ip -o addr show}), each
     * with its prefix, its label (empty where the OS keeps none) and no flags; empty where nothing else can read them
     * (a fake is its own truth).
     */
    protected abstract Optional<List<InterfaceAddress>> addressesSeenIndependently() throws Exception;

    /**
     * Whether the OS keeps at most one prefix of an address on an interface (Windows: a second prefix is
     * ERROR_OBJECT_ALREADY_EXISTS), where Linux keeps each address and prefix as an address of its own.
     */
    protected boolean keepsOnePrefixPerAddress() {
        return false;
    }

    @Test
    void resolvingAMissingInterfaceIsNoSuchInterface() throws Exception {
        try (NetworkOs os = openNetworkOs()) {
            OsException e = assertThrows(OsException.class, () -> os.resolve(missingInterface()));

            assertEquals(OsException.Reason.NO_SUCH_INTERFACE, e.reason(), e.getMessage());
        }
    }

    @Test
    void resolveDescribesTheInterface() throws Exception {
        try (NetworkOs os = openNetworkOs()) {
            NetInterface nic = os.resolve(existingInterface());

            assertEquals(existingInterface(), nic.name());
            assertTrue(nic.index() > 0, "index " + nic.index());
            assertEquals(existingInterfaceMac(), nic.mac());
            assertTrue(nic.isUp(), nic + " is up");
            assertTrue(nic.isRunning(), nic + " has carrier");
            assertEquals(NetInterface.Arp.ON, nic.arp(), nic.toString());
            assertEquals(nic.index(), os.resolve(existingInterface()).index(), "the same index when resolved again");
        }
    }

    @Test
    void anAddedAddressIsListedWithItsPrefixAndLabel() throws Exception {
        try (NetworkOs os = openNetworkOs()) {
            NetInterface nic = os.resolve(existingInterface());
            List<InterfaceAddress> before = os.addresses(nic);

            os.add(nic, toAdd(24));

            List<InterfaceAddress> after = os.addresses(nic);
            InterfaceAddress listed = listed(after, freeAddress(), 24);
            assertNotNull(listed, freeAddress() + "/24 is listed: " + after);
            label().ifPresent(label -> assertEquals(label, listed.label(), "label of " + listed));
            List<InterfaceAddress> others = new ArrayList<>(after);
            others.remove(listed);
            assertEquals(before, others, "the other addresses are as they were");
            assertSeenIndependently(after);
        }
    }

    @Test
    void addingTheSameAddressAndPrefixAgainIsAlreadyExistsAndAddsNoSecondCopy() throws Exception {
        try (NetworkOs os = openNetworkOs()) {
            NetInterface nic = os.resolve(existingInterface());
            os.add(nic, toAdd(24));

            OsException again = assertThrows(OsException.class, () -> os.add(nic, toAdd(24)));
            assertEquals(OsException.Reason.ALREADY_EXISTS, again.reason(), again.getMessage());
            if (label().isPresent()) {
                InterfaceAddress otherLabel = new InterfaceAddress(freeAddress(), 24, label().get() + "0");
                OsException relabel = assertThrows(OsException.class, () -> os.add(nic, otherLabel), "an add cannot relabel");
                assertEquals(OsException.Reason.ALREADY_EXISTS, relabel.reason(), relabel.getMessage());
            }

            List<InterfaceAddress> after = os.addresses(nic);
            assertEquals(1, copies(after, freeAddress(), 24), "one copy: " + after);
            label().ifPresent(label -> assertEquals(label, listed(after, freeAddress(), 24).label(), "the first add's label"));
            assertSeenIndependently(after);
        }
    }

    @Test
    void theSameAddressWithAnotherPrefixIsAnotherAddressOrAlreadyExists() throws Exception {
        try (NetworkOs os = openNetworkOs()) {
            NetInterface nic = os.resolve(existingInterface());
            os.add(nic, toAdd(24));

            if (keepsOnePrefixPerAddress()) {
                OsException e = assertThrows(OsException.class, () -> os.add(nic, toAdd(32)));
                assertEquals(OsException.Reason.ALREADY_EXISTS, e.reason(), e.getMessage());
            } else {
                os.add(nic, toAdd(32));
            }

            List<InterfaceAddress> after = os.addresses(nic);
            assertEquals(1, copies(after, freeAddress(), 24), after.toString());
            assertEquals(keepsOnePrefixPerAddress() ? 0 : 1, copies(after, freeAddress(), 32), after.toString());
            assertSeenIndependently(after);
        }
    }

    @Test
    void removingAnAbsentAddressIsNoSuchAddressAndChangesNothing() throws Exception {
        try (NetworkOs os = openNetworkOs()) {
            NetInterface nic = os.resolve(existingInterface());
            List<InterfaceAddress> before = os.addresses(nic);

            OsException e = assertThrows(OsException.class, () -> os.remove(nic, toAdd(24)));

            assertEquals(OsException.Reason.NO_SUCH_ADDRESS, e.reason(), e.getMessage());
            assertEquals(before, os.addresses(nic));
            assertSeenIndependently(before);
        }
    }

    @Test
    void removingAnotherPrefixOfAConfiguredAddressIsNoSuchAddressAndKeepsIt() throws Exception {
        try (NetworkOs os = openNetworkOs()) {
            NetInterface nic = os.resolve(existingInterface());
            os.add(nic, toAdd(24));
            List<InterfaceAddress> before = os.addresses(nic);

            OsException e = assertThrows(OsException.class, () -> os.remove(nic, toAdd(32)));

            assertEquals(OsException.Reason.NO_SUCH_ADDRESS, e.reason(), e.getMessage());
            assertEquals(before, os.addresses(nic), "the /24 stays");
            assertSeenIndependently(before);
        }
    }

    @Test
    void removeTakesExactlyThatAddressAndPrefix() throws Exception {
        try (NetworkOs os = openNetworkOs()) {
            NetInterface nic = os.resolve(existingInterface());
            List<InterfaceAddress> before = os.addresses(nic);
            os.add(nic, toAdd(24));
            if (!keepsOnePrefixPerAddress()) {
                os.add(nic, toAdd(32));
                List<InterfaceAddress> withBoth = os.addresses(nic);

                os.remove(nic, listed(withBoth, freeAddress(), 32));

                List<InterfaceAddress> withOne = os.addresses(nic);
                List<InterfaceAddress> expected = new ArrayList<>(withBoth);
                expected.remove(listed(withBoth, freeAddress(), 32));
                assertEquals(expected, withOne, "only the /32 went; the /24 and the interface's own addresses stay");
                assertSeenIndependently(withOne);
            }
            List<InterfaceAddress> withOne = os.addresses(nic);

            os.remove(nic, listed(withOne, freeAddress(), 24));

            List<InterfaceAddress> after = os.addresses(nic);
            assertEquals(before, after, "the interface's addresses are as before the adds");
            assertSeenIndependently(after);
        }
    }

    @Test
    void theListIsACopyTakenWhenItWasAskedFor() throws Exception {
        try (NetworkOs os = openNetworkOs()) {
            NetInterface nic = os.resolve(existingInterface());
            List<InterfaceAddress> first = os.addresses(nic);
            List<InterfaceAddress> firstAsReturned = List.copyOf(first);

            os.add(nic, toAdd(24));
            assertEquals(firstAsReturned, first, "a list already returned does not follow the OS");
            List<InterfaceAddress> second = os.addresses(nic);
            try {
                second.clear();
            } catch (UnsupportedOperationException unmodifiable) {
                // an unmodifiable list is a copy too
            }

            assertEquals(1, copies(os.addresses(nic), freeAddress(), 24), "the caller's list is not the OS's");
        }
    }

    @Test
    void closingTwiceIsHarmless() throws Exception {
        NetworkOs os = openNetworkOs();
        os.resolve(existingInterface());

        os.close();
        os.close();
    }

    /** The free address with the given prefix and, where the OS has labels, {@link #label()}. */
    private InterfaceAddress toAdd(int prefixLength) {
        return new InterfaceAddress(freeAddress(), prefixLength, label().orElse(""));
    }

    /** The listed entry of that address and prefix; null if there is none. */
    private static InterfaceAddress listed(List<InterfaceAddress> addresses, IpAddress address, int prefixLength) {
        for (InterfaceAddress listed : addresses) {
            if (listed.address().equals(address) && listed.prefixLength() == prefixLength) {
                return listed;
            }
        }
        return null;
    }

    private static long copies(List<InterfaceAddress> addresses, IpAddress address, int prefixLength) {
        return addresses.stream().filter(listed -> listed.address().equals(address) && listed.prefixLength() == prefixLength).count();
    }

    /** The independent reader, where there is one, sees what the implementation listed (flags aside; labels where kept). */
    private void assertSeenIndependently(List<InterfaceAddress> listed) throws Exception {
        Optional<List<InterfaceAddress>> seen = addressesSeenIndependently();
        if (seen.isEmpty()) {
            return;
        }
        List<InterfaceAddress> expected = new ArrayList<>();
        for (InterfaceAddress address : listed) {
            expected.add(new InterfaceAddress(address.address(), address.prefixLength(), label().isPresent() ? address.label() : ""));
        }
        assertEquals(sorted(expected), sorted(seen.get()), "the implementation's list against the independent reader's");
    }

    private static List<InterfaceAddress> sorted(List<InterfaceAddress> addresses) {
        List<InterfaceAddress> sorted = new ArrayList<>(addresses);
        sorted.sort(Comparator.comparing(InterfaceAddress::toString));
        return sorted;
    }
}
