import Foundation
import Testing
@testable import CertAudit

/// JSONWriter's output is checked twice: byte for byte where the form matters (escapes, commas), and by
/// parsing it with Foundation's JSONSerialization, an independent parser, and comparing the values.
@Suite struct JSONWriterTests {
    func render(_ build: (inout JSONWriter) -> Void) -> String {
        var json = JSONWriter()
        build(&json)
        return String(decoding: json.take(), as: UTF8.self)
    }

    func parse(_ text: String) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
    }

    static let awkwardStrings: [String] = [
        "", "plain", "\"", "\\", "a\"b\\c\"", "\\\"", "/slash/", "tab\there", "line\nbreak\r\n",
        String((0..<0x20).map { Character(Unicode.Scalar(UInt8($0))) }), "nul\u{0}inside", "del\u{7F}",
        "é", "日本語", "😀 emoji", "\u{2028}\u{2029}", "\u{FEFF}bom", "mixed \u{1} é \" 😀",
    ]

    @Test(arguments: awkwardStrings)
    func stringsSurviveAnIndependentParser(_ value: String) throws {
        let text = render { json in
            json.beginObject()
            json.key(dynamic: value)
            json.string(value)
            json.endObject()
        }
        #expect(!text.utf8.contains { $0 < 0x20 }, "no raw control byte may remain: \(text.debugDescription)")
        #expect(try JSONDecoder().decode([String: String].self, from: Data(text.utf8)) == [value: value])
        // swift-corelibs JSONSerialization drops U+FEFF inside strings (JSONDecoder above keeps it): a
        // quirk of that parser, not of the writer, so it only checks the other strings.
        guard !value.unicodeScalars.contains("\u{FEFF}") else { return }
        let object = try #require(try parse(text) as? [String: Any])
        #expect(object.count == 1)
        #expect(object[value] as? String == value)
    }

    @Test func escapesAreTheShortOrUnicodeForms() {
        #expect(render { $0.string("\"") } == #""\"""#)
        #expect(render { $0.string("\\") } == #""\\""#)
        #expect(render { $0.string("\n\r\t") } == #""\n\r\t""#)
        #expect(render { $0.string("\u{0}") } == #""\u0000""#)
        #expect(render { $0.string("\u{8}\u{C}\u{1F}") } == #""\u0008\u000c\u001f""#)
        #expect(render { $0.string("\u{7F}/") } == "\"\u{7F}/\"", "DEL and / need no escape")
        // Non-ASCII is written as UTF-8, not as \u escapes.
        var json = JSONWriter()
        json.string("é😀")
        #expect(json.take() == [0x22, 0xC3, 0xA9, 0xF0, 0x9F, 0x98, 0x80, 0x22])
    }

    /// A Swift String cannot hold a lone surrogate or invalid UTF-8: decoding repairs them to U+FFFD, so
    /// the writer only ever sees well-formed text and writes well-formed UTF-8.
    @Test func loneSurrogatesAreRepairedBeforeTheyReachTheWriter() throws {
        let fromUTF16 = String(decoding: [0x61, 0xD800, 0x62] as [UInt16], as: UTF16.self)
        let fromUTF8 = String(decoding: [0x61, 0xED, 0xA0, 0x80, 0x62] as [UInt8], as: UTF8.self)
        for value in [fromUTF16, fromUTF8] {
            #expect(value.unicodeScalars.contains("\u{FFFD}"))
            var json = JSONWriter()
            json.string(value)
            let bytes = json.take()
            #expect(String(validating: bytes, as: UTF8.self) != nil)
            #expect(try parse(String(decoding: bytes, as: UTF8.self)) as? String == value)
        }
    }

    @Test func nestedObjectsAndArraysHaveCommasOnlyBetweenSiblings() throws {
        let text = render { json in
            json.beginObject()
            json.field("a", 1)
            json.key("b")
            json.beginArray()
            json.int(1)
            json.beginArray(); json.endArray()
            json.beginObject(); json.endObject()
            json.beginObject()
            json.field("c", nil as String?)
            json.key("d"); json.strings(["x", "y"])
            json.endObject()
            json.endArray()
            json.key("e")
            json.beginObject()
            json.field("f", true)
            json.key("g"); json.beginObject(); json.endObject()
            json.endObject()
            json.key("h"); json.strings([])
            json.field("i", "last")
            json.endObject()
        }
        #expect(text == #"{"a":1,"b":[1,[],{},{"c":null,"d":["x","y"]}],"e":{"f":true,"g":{}},"h":[],"i":"last"}"#)
        let object = try #require(try parse(text) as? [String: Any])
        #expect(object["a"] as? Int == 1)
        let b = try #require(object["b"] as? [Any])
        #expect(b.count == 4)
        let inner = try #require(b[3] as? [String: Any])
        #expect(inner["c"] is NSNull)
        #expect(inner["d"] as? [String] == ["x", "y"])
        #expect((object["e"] as? [String: Any])?["f"] as? Bool == true)
        #expect(object["i"] as? String == "last")
    }

    @Test func nilFieldsAreNull() throws {
        let text = render { json in
            json.beginArray()
            json.string(nil as String?)
            json.string("set" as String?)
            json.null()
            json.bool(false)
            json.endArray()
        }
        #expect(text == #"[null,"set",null,false]"#)
        let array = try #require(try parse(text) as? [Any])
        #expect(array[0] is NSNull && array[2] is NSNull)
    }

    static let doubles: [Double] = [
        0, -0.0, 1, 1.5, 0.1, 0.1 + 0.2, 1e-7, 123_456_789.125, 1e16, 1e300, -2.5e-300,
        Double.leastNonzeroMagnitude, Double.greatestFiniteMagnitude, 2.0 / 3.0,
    ]

    @Test(arguments: doubles)
    func doublesParseBackToTheSameValue(_ value: Double) throws {
        let text = render { $0.double(value) }
        #expect(try parse(text) is NSNumber, "\(text)")
        // JSONSerialization returns 17-digit decimals as NSDecimalNumber, whose doubleValue is not
        // correctly rounded (0.30000000000000004 → 0.3000000000000001); JSONDecoder's is exact.
        #expect(try JSONDecoder().decode([Double].self, from: Data("[\(text)]".utf8)) == [value], "\(text)")
    }

    @Test func integersAtTheLimits() throws {
        let text = render { json in
            json.beginArray(); json.int(Int.min); json.int(Int.max); json.int(0); json.int(-1); json.endArray()
        }
        #expect(text == "[\(Int.min),\(Int.max),0,-1]")
        #expect((try parse(text) as? [NSNumber])?.map(\.int64Value) == [Int64.min, Int64.max, 0, -1])
    }

    /// `String(Double)` spells non-finite values `nan`/`inf`, which are not JSON. No caller passes one
    /// today (only the rounded elapsed time), so this is latent.
    /// JSON has no NaN or infinity: the writer says null rather than write invalid JSON.
    @Test func nonFiniteDoublesAreWrittenAsNull() throws {
        for value in [Double.nan, .infinity, -.infinity] {
            let text = render { json in json.beginArray(); json.double(value); json.endArray() }
            #expect(text == "[null]", "\(value)")
            #expect((try? parse(text)) != nil, "\(text)")
        }
    }

    @Test func elementPiecesJoinIntoOneValidArray() throws {
        let first = JSONWriter.elements { json in
            json.beginObject(); json.field("n", 1); json.endObject()
            json.beginObject(); json.field("n", 2); json.field("s", "a,b]"); json.endObject()
        }
        let empty = JSONWriter.elements { _ in }
        let last = JSONWriter.elements { json in json.int(3); json.strings(["x"]) }
        #expect(String(decoding: first, as: UTF8.self) == #"{"n":1},{"n":2,"s":"a,b]"}"#)
        #expect(empty.isEmpty)
        #expect(String(decoding: last, as: UTF8.self) == #"3,["x"]"#)

        let folder = Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        func stream(_ pieces: [[UInt8]]) throws -> String {
            let path = folder + "/out-\(pieces.count).json"
            let output = try OutputChannel.file(path)
            var array = StreamedArray()
            output.write("[")
            for piece in pieces { array.append(piece, to: output) }
            output.write("]")
            #expect(output.close() == nil)
            return String(decoding: try Data(contentsOf: URL(fileURLWithPath: path)), as: UTF8.self)
        }
        let joined = try stream([empty, first, empty, last, empty])
        #expect(joined == #"[{"n":1},{"n":2,"s":"a,b]"},3,["x"]]"#)
        let array = try #require(try parse(joined) as? [Any])
        #expect(array.count == 4)
        #expect((array[1] as? [String: Any])?["s"] as? String == "a,b]")
        #expect((array[3] as? [String]) == ["x"])
        #expect(try stream([empty, empty]) == "[]")
    }

    @Test func takeEmptiesTheWriter() {
        var json = JSONWriter()
        json.int(7)
        #expect(json.take() == Array("7".utf8))
        #expect(json.take().isEmpty)
    }
}
