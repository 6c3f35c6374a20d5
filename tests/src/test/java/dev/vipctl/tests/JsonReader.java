package dev.vipctl.tests;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A strict reader of the JSON vipctl prints, for tests: objects, arrays, strings, whole numbers, true/false/null. */
final class JsonReader {
    private final String text;
    private int at;

    private JsonReader(String text) {
        this.text = text;
    }

    /** The one value in {@code text}; anything malformed, or anything after it, is an IllegalArgumentException. */
    static Object parse(String text) {
        JsonReader reader = new JsonReader(text.trim());
        Object value = reader.value();
        if (reader.at != reader.text.length()) {
            throw reader.error("text after the value");
        }
        return value;
    }

    private Object value() {
        if (at >= text.length()) {
            throw error("end of text");
        }
        char c = text.charAt(at);
        if (c == '{') {
            Map<String, Object> object = new LinkedHashMap<>();
            at++;
            if (peek('}')) {
                return object;
            }
            do {
                String key = string();
                expect(':');
                if (object.put(key, value()) != null) {
                    throw error("duplicate key " + key);
                }
            } while (peek(','));
            expect('}');
            return object;
        }
        if (c == '[') {
            List<Object> array = new ArrayList<>();
            at++;
            if (peek(']')) {
                return array;
            }
            do {
                array.add(value());
            } while (peek(','));
            expect(']');
            return array;
        }
        if (c == '"') {
            return string();
        }
        for (String word : new String[] {"true", "false", "null"}) {
            if (text.startsWith(word, at)) {
                at += word.length();
                return word.equals("null") ? null : Boolean.valueOf(word);
            }
        }
        int start = at;
        if (c == '-') {
            at++;
        }
        while (at < text.length() && Character.isDigit(text.charAt(at))) {
            at++;
        }
        if (at == start || at == start + 1 && c == '-') {
            throw error("not a value");
        }
        return Long.parseLong(text.substring(start, at));
    }

    private String string() {
        expect('"');
        StringBuilder out = new StringBuilder();
        while (true) {
            if (at >= text.length()) {
                throw error("unterminated string");
            }
            char c = text.charAt(at++);
            if (c == '"') {
                return out.toString();
            }
            if (c < 0x20) {
                throw error("control character in a string");
            }
            if (c == '\\') {
                char escaped = text.charAt(at++);
                switch (escaped) {
                    case '"': case '\\': case '/': out.append(escaped); break;
                    case 'n': out.append('\n'); break;
                    case 't': out.append('\t'); break;
                    case 'r': out.append('\r'); break;
                    case 'b': out.append('\b'); break;
                    case 'f': out.append('\f'); break;
                    case 'u': out.append((char) Integer.parseInt(text.substring(at, at + 4), 16)); at += 4; break;
                    default: throw error("bad escape \\" + escaped);
                }
            } else {
                out.append(c);
            }
        }
    }

    private boolean peek(char c) {
        if (at < text.length() && text.charAt(at) == c) {
            at++;
            return true;
        }
        return false;
    }

    private void expect(char c) {
        if (!peek(c)) {
            throw error("expected '" + c + "'");
        }
    }

    private IllegalArgumentException error(String what) {
        return new IllegalArgumentException(what + " at " + at + " in: " + text.substring(Math.max(0, at - 40), Math.min(text.length(), at + 40)));
    }
}
