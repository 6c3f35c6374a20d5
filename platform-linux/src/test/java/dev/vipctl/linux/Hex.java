package dev.vipctl.linux;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Hex dumps as the reference and the recordings write them: "0000: 40 00 00 00 ...", '#' starts a comment. */
final class Hex {
    private Hex() {
    }

    /** Hex digit pairs; spaces and line breaks are ignored. */
    static byte[] bytes(String text) {
        String digits = text.replaceAll("\\s", "");
        byte[] bytes = new byte[digits.length() / 2];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) Integer.parseInt(digits.substring(2 * i, 2 * i + 2), 16);
        }
        return bytes;
    }

    /** The datagrams of a recording under src/test/resources/dev/vipctl/linux: offset 0000 starts the next one. */
    static List<byte[]> recording(String name) throws IOException {
        List<byte[]> datagrams = new ArrayList<>();
        StringBuilder current = null;
        try (InputStream in = Hex.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IOException("no recording " + name);
            }
            BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII));
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                String[] offsetAndBytes = line.split(":", 2);
                int offset = Integer.parseInt(offsetAndBytes[0].trim(), 16);
                if (offset == 0) {
                    if (current != null) {
                        datagrams.add(bytes(current.toString()));
                    }
                    current = new StringBuilder();
                }
                if (current == null || offset != current.toString().replaceAll("\\s", "").length() / 2) {
                    throw new IOException(name + ": line '" + line + "' does not continue the datagram before it");
                }
                current.append(offsetAndBytes[1]);
            }
        }
        if (current != null) {
            datagrams.add(bytes(current.toString()));
        }
        return datagrams;
    }
}
