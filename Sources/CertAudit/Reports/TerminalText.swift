/// Text from certificates and file systems (subjects, friendly names, paths, PEM labels) is attacker
/// controlled. Before it reaches a terminal or a Markdown page, control characters are shown escaped:
/// C0 and DEL as `\x1b`, C1 as `\u{9b}`, and the bidirectional overrides that reorder what a reader sees
/// (U+202A–U+202E, U+2066–U+2069) as `\u{202e}`. An ESC sequence cannot clear the screen, set the
/// clipboard (OSC 52) or forge a line of the report.
public enum TerminalText {
    public static func escape(_ text: String) -> String {
        // Fast path: no byte that can start a control character (C0, DEL, C1 as C2 80–9F, bidi as E2 80/81 …).
        var clean = true
        for byte in text.utf8 where byte < 0x20 || byte == 0x7f || byte == 0xc2 || byte == 0xe2 {
            clean = false
            break
        }
        if clean {
            return text
        }
        var out = ""
        out.reserveCapacity(text.utf8.count + 8)
        for scalar in text.unicodeScalars {
            let value = scalar.value
            if value < 0x20 || value == 0x7f {
                out += "\\x" + hex(value, digits: 2)
            } else if (0x80...0x9f).contains(value) || (0x202a...0x202e).contains(value) || (0x2066...0x2069).contains(value) {
                out += "\\u{" + hex(value, digits: value > 0xff ? 4 : 2) + "}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    private static func hex(_ value: UInt32, digits: Int) -> String {
        let text = String(value, radix: 16)
        return String(repeating: "0", count: max(0, digits - text.count)) + text
    }
}
