package dev.vipctl.tests;

import dev.vipctl.lab.Shell;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The project's documentation stands alone: no tracked file cites the reference notes kept outside the repository,
 * and every relative link in the Markdown files, and every page of the docs that another file cites (with its
 * anchor, from the repository's root), names a tracked file and, where it gives one, a heading of that file.
 */
class DocumentationLinksTest {
    /** The notes outside the repository; spelt in two parts so that this file does not cite them itself. */
    private static final List<String> OUTSIDE_NOTES = List.of("NATIVE_" + "APIS", "ANCHORS" + ".md");
    /** A Markdown link or image: {@code [text](target)}. */
    private static final Pattern MARKDOWN_LINK = Pattern.compile("\\]\\(([^)\\s]+)\\)");
    /** A source file's reference to a page of the docs, from the repository's root. */
    private static final Pattern DOCS_REFERENCE = Pattern.compile("docs/[A-Za-z0-9_./-]+\\.md(#[A-Za-z0-9_-]+)?");
    private static final Pattern HEADING = Pattern.compile("^#{1,6}\\s+(.*?)\\s*#*\\s*$");
    private static final Pattern FENCE = Pattern.compile("^\\s*(```|~~~)");

    /** Every tracked text file by its path from the root, '/'-separated. */
    private static final Map<String, String> FILES = new TreeMap<>();

    @BeforeAll
    static void readTrackedFiles() throws IOException {
        Path root = Path.of(Shell.check("git", "rev-parse", "--show-toplevel").trim());
        for (String path : Shell.check("git", "-C", root.toString(), "ls-files", "-z").split("\0")) {
            if (path.isEmpty()) {
                continue;
            }
            byte[] bytes = Files.readAllBytes(root.resolve(path));
            if (!isBinary(bytes)) {
                FILES.put(path, new String(bytes, StandardCharsets.UTF_8));
            }
        }
        assertTrue(FILES.containsKey("README.md"), "git ls-files in " + root + " lists no README.md");
    }

    @Test
    void noFileCitesTheNotesOutsideTheRepository() {
        List<String> citations = new ArrayList<>();
        FILES.forEach((path, text) -> {
            String[] lines = text.split("\n", -1);
            for (int i = 0; i < lines.length; i++) {
                for (String note : OUTSIDE_NOTES) {
                    if (lines[i].contains(note)) {
                        citations.add(path + ":" + (i + 1) + ": " + lines[i].trim());
                    }
                }
            }
        });
        assertEquals(List.of(), citations, "cite the project's own docs (docs/linux.md, docs/peers.md) instead");
    }

    @Test
    void markdownLinksNameTrackedFilesAndTheirHeadings() {
        List<String> broken = new ArrayList<>();
        FILES.forEach((path, text) -> {
            if (!path.endsWith(".md")) {
                return;
            }
            String[] lines = withoutCodeBlocks(text);
            for (int i = 0; i < lines.length; i++) {
                Matcher link = MARKDOWN_LINK.matcher(lines[i]);
                while (link.find()) {
                    String target = link.group(1);
                    if (target.matches("^[a-z][a-z0-9+.-]*:.*")) {
                        continue; // http:, https:, mailto:: outside the repository
                    }
                    String problem = problem(path, target);
                    if (problem != null) {
                        broken.add(path + ":" + (i + 1) + ": (" + target + ") " + problem);
                    }
                }
            }
        });
        assertEquals(List.of(), broken);
    }

    @Test
    void sourceReferencesToTheDocsNameTrackedFilesAndTheirHeadings() {
        List<String> broken = new ArrayList<>();
        FILES.forEach((path, text) -> {
            if (path.endsWith(".md")) {
                return; // their links are checked relative to the page
            }
            String[] lines = text.split("\n", -1);
            for (int i = 0; i < lines.length; i++) {
                Matcher reference = DOCS_REFERENCE.matcher(lines[i]);
                while (reference.find()) {
                    String problem = problem("", reference.group());
                    if (problem != null) {
                        broken.add(path + ":" + (i + 1) + ": " + reference.group() + " " + problem);
                    }
                }
            }
        });
        assertEquals(List.of(), broken);
    }

    @Test
    void anchorsFollowGitHubsRules() {
        assertEquals("gratuitous-arp-defaults-3-rounds-1000-ms-apart-both",
                anchor("Gratuitous ARP defaults: 3 rounds, 1000 ms apart, `both`"));
        assertEquals("where-a-hand-overs-time-goes", anchor("Where a hand-over's time goes"));
        assertEquals("sockaddr_ll", anchor("sockaddr_ll"));
        assertEquals("command-start--first-gratuitous-arp", anchor("Command start → first gratuitous ARP"));
        assertEquals("see-the-docs", anchor("See [the docs](docs/linux.md)"));
    }

    /**
     * Why {@code target}, a link on page {@code from} (the root for "", where sources cite the docs), leads nowhere;
     * null if it leads to a tracked file, and to one of its headings where it names one.
     */
    private static String problem(String from, String target) {
        int hash = target.indexOf('#');
        String file = hash < 0 ? target : target.substring(0, hash);
        String fragment = hash < 0 ? null : target.substring(hash + 1);
        String resolved = file.isEmpty() ? from : Path.of(directoryOf(from)).resolve(file).normalize().toString();
        if (resolved.startsWith("..")) {
            return "leaves the repository";
        }
        if (!FILES.containsKey(resolved)) {
            return "names no tracked file";
        }
        if (fragment == null) {
            return null;
        }
        if (!resolved.endsWith(".md")) {
            return "has an anchor, but " + resolved + " is not a Markdown page";
        }
        Set<String> anchors = anchors(FILES.get(resolved));
        return anchors.contains(fragment) ? null : "names no heading of " + resolved;
    }

    /** The anchors GitHub gives a page's headings; a repeated heading gets -1, -2, ... */
    private static Set<String> anchors(String markdown) {
        Set<String> anchors = new HashSet<>();
        Map<String, Integer> seen = new HashMap<>();
        for (String line : withoutCodeBlocks(markdown)) {
            Matcher heading = HEADING.matcher(line);
            if (heading.matches()) {
                String base = anchor(heading.group(1));
                int count = seen.merge(base, 1, Integer::sum);
                anchors.add(count == 1 ? base : base + "-" + (count - 1));
            }
        }
        return anchors;
    }

    /**
     * GitHub's anchor for a heading: the text of its links, lower case, every character other than a letter, a digit,
     * a space, '-' or '_' dropped, and each space made a '-'.
     */
    static String anchor(String heading) {
        String text = heading.replaceAll("\\[([^\\]]*)\\]\\([^)]*\\)", "$1").toLowerCase(Locale.ROOT);
        StringBuilder anchor = new StringBuilder();
        text.codePoints().forEach(c -> {
            if (Character.isLetterOrDigit(c) || c == '-' || c == '_') {
                anchor.appendCodePoint(c);
            } else if (c == ' ') {
                anchor.append('-');
            }
        });
        return anchor.toString();
    }

    /** The page's lines, those inside fenced code blocks blanked: a heading or link there is code, not Markdown. */
    private static String[] withoutCodeBlocks(String markdown) {
        String[] lines = markdown.split("\n", -1);
        boolean inCode = false;
        for (int i = 0; i < lines.length; i++) {
            boolean fence = FENCE.matcher(lines[i]).find();
            if (fence || inCode) {
                lines[i] = "";
            }
            if (fence) {
                inCode = !inCode;
            }
        }
        return lines;
    }

    private static String directoryOf(String path) {
        int slash = path.lastIndexOf('/');
        return slash < 0 ? "" : path.substring(0, slash);
    }

    private static boolean isBinary(byte[] bytes) {
        for (byte b : bytes) {
            if (b == 0) {
                return true;
            }
        }
        return false;
    }
}
