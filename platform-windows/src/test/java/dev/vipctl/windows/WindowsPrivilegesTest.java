package dev.vipctl.windows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledOnOs;
import org.junit.jupiter.api.condition.OS;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What of WindowsPrivileges can be checked without Windows: loading the class loads no Windows DLL. */
class WindowsPrivilegesTest {
    @Test
    @DisabledOnOs(OS.WINDOWS)
    void loadsTheDllsAtTheFirstCheckNotBefore() throws ClassNotFoundException {
        Class.forName(WindowsPrivileges.class.getName(), true, WindowsPrivileges.class.getClassLoader());
        UnsatisfiedLinkError noDll = assertThrows(UnsatisfiedLinkError.class, WindowsPrivileges::checkElevated);
        assertTrue(noDll.getMessage().contains("kernel32"), noDll.getMessage());
    }
}
