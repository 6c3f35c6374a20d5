package dev.vipctl.windows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledOnOs;
import org.junit.jupiter.api.condition.OS;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What of IpHelperJna can be checked without Windows: that it asks iphlpapi.dll for exactly the functions
 * docs/windows.md#the-calls names, and that nothing loads the DLL before a call (so the class can be loaded, and an
 * IpHelperJna made, on any OS).
 */
class IpHelperJnaTest {
    @Test
    void callsExactlyTheFunctionsOfTheDocumentedTable() throws IOException {
        String doc = Files.readString(Path.of("..", "docs", "windows.md"));
        int table = doc.indexOf("| function | what vipctl passes |");
        assertTrue(table >= 0, "docs/windows.md has no table of the calls");
        List<String> documented = new ArrayList<>();
        for (String line : doc.substring(table).split("\n")) {
            if (!line.startsWith("|")) {
                break;
            }
            String function = line.split("\\|")[1];
            Matcher call = Pattern.compile("`(\\w+)\\(").matcher(function);
            while (call.find()) {
                documented.add(call.group(1));
            }
        }
        assertEquals(documented, IpHelperJna.FUNCTIONS);
    }

    @Test
    @DisabledOnOs(OS.WINDOWS)
    void loadsTheDllAtTheFirstCallNotBefore() {
        IpHelperJna ipHelper = new IpHelperJna(IpHelperLayout.X64);
        UnsatisfiedLinkError noDll = assertThrows(UnsatisfiedLinkError.class, () -> ipHelper.convertInterfaceAliasToLuid("Ethernet", new long[1]));
        assertTrue(noDll.getMessage().contains("iphlpapi"), noDll.getMessage());
    }
}
