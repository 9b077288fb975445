/// Seconds since 1970-01-01T00:00:00Z. Certificates hold dates from 1950 to 9999, so plain integer
/// arithmetic with the proleptic Gregorian calendar is exact and avoids Foundation date formatters.
public struct UnixTime: Hashable, Comparable, Sendable {
    public var seconds: Int64

    public init(seconds: Int64) {
        self.seconds = seconds
    }

    public static func < (lhs: UnixTime, rhs: UnixTime) -> Bool {
        lhs.seconds < rhs.seconds
    }

    public static func now() -> UnixTime {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return UnixTime(seconds: Int64(spec.tv_sec))
    }

    /// Days from 1970-01-01 to the given civil date (Howard Hinnant's algorithm).
    static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let monthIndex = month > 2 ? month - 3 : month + 9
        let dayOfYear = (153 * monthIndex + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func civilFromDays(_ days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    init?(year: Int64, month: Int64, day: Int64, hour: Int64 = 0, minute: Int64 = 0, second: Int64 = 0) {
        guard (1...12).contains(month), (1...31).contains(day), (0...23).contains(hour),
            (0...59).contains(minute), (0...60).contains(second)
        else { return nil }
        let days = UnixTime.daysFromCivil(year: year, month: month, day: day)
        seconds = days * 86_400 + hour * 3_600 + minute * 60 + second
    }

    /// `2026-12-01T00:00:00Z`
    public var iso8601: String {
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        let (year, month, day) = UnixTime.civilFromDays(days)
        var out: [UInt8] = []
        out.reserveCapacity(20)
        UnixTime.append(year, width: 4, to: &out)
        out.append(UInt8(ascii: "-"))
        UnixTime.append(month, width: 2, to: &out)
        out.append(UInt8(ascii: "-"))
        UnixTime.append(day, width: 2, to: &out)
        out.append(UInt8(ascii: "T"))
        UnixTime.append(secondOfDay / 3_600, width: 2, to: &out)
        out.append(UInt8(ascii: ":"))
        UnixTime.append(secondOfDay % 3_600 / 60, width: 2, to: &out)
        out.append(UInt8(ascii: ":"))
        UnixTime.append(secondOfDay % 60, width: 2, to: &out)
        out.append(UInt8(ascii: "Z"))
        return String(decoding: out, as: UTF8.self)
    }

    /// `2026-12-01`
    public var isoDate: String {
        String(iso8601.prefix(10))
    }

    private static func append(_ value: Int64, width: Int, to out: inout [UInt8]) {
        var digits: [UInt8] = []
        var rest = value < 0 ? -value : value
        repeat {
            digits.append(UInt8(ascii: "0") + UInt8(rest % 10))
            rest /= 10
        } while rest > 0
        if value < 0 {
            out.append(UInt8(ascii: "-"))
        }
        for _ in digits.count..<max(width, digits.count) {
            out.append(UInt8(ascii: "0"))
        }
        out.append(contentsOf: digits.reversed())
    }

    /// Parses `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM:SSZ` or `YYYY-MM-DDTHH:MM:SS±HH:MM` (command line and rule files).
    public init?(iso8601 text: String) {
        let bytes = Array(text.utf8)
        func number(_ start: Int, _ length: Int) -> Int64? {
            guard start + length <= bytes.count else { return nil }
            var value: Int64 = 0
            for byte in bytes[start..<start + length] {
                guard byte >= 0x30, byte <= 0x39 else { return nil }
                value = value * 10 + Int64(byte - 0x30)
            }
            return value
        }
        guard bytes.count >= 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
            let year = number(0, 4), let month = number(5, 2), let day = number(8, 2)
        else { return nil }
        if bytes.count == 10 {
            self.init(year: year, month: month, day: day)
            return
        }
        guard bytes.count >= 20, bytes[10] == UInt8(ascii: "T") || bytes[10] == UInt8(ascii: " "),
            bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":"),
            let hour = number(11, 2), let minute = number(14, 2), let second = number(17, 2)
        else { return nil }
        var offset: Int64 = 0
        let zone = bytes[19...]
        if zone.count == 1, zone.first == UInt8(ascii: "Z") {
            offset = 0
        } else if zone.count == 6, zone.first == UInt8(ascii: "+") || zone.first == UInt8(ascii: "-"),
            bytes[22] == UInt8(ascii: ":"), let zoneHours = number(20, 2), let zoneMinutes = number(23, 2)
        {
            offset = (zoneHours * 3_600 + zoneMinutes * 60) * (zone.first == UInt8(ascii: "+") ? 1 : -1)
        } else {
            return nil
        }
        self.init(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
        seconds -= offset
    }

    /// Parses ASN.1 UTCTime (`YYMMDDHHMM[SS]Z`) or GeneralizedTime (`YYYYMMDDHHMM[SS[.fff]]Z`), leniently:
    /// missing seconds and `+hhmm` offsets are accepted because old certificates carry them.
    static func parseASN1<Bytes: Collection>(_ raw: Bytes, generalized: Bool) -> UnixTime?
    where Bytes.Element == UInt8 {
        let bytes = Array(raw)
        var index = 0
        func digits(_ count: Int) -> Int64? {
            guard index + count <= bytes.count else { return nil }
            var value: Int64 = 0
            for byte in bytes[index..<index + count] {
                guard byte >= 0x30, byte <= 0x39 else { return nil }
                value = value * 10 + Int64(byte - 0x30)
            }
            index += count
            return value
        }
        var year: Int64
        if generalized {
            guard let full = digits(4) else { return nil }
            year = full
        } else {
            guard let short = digits(2) else { return nil }
            year = short >= 50 ? 1900 + short : 2000 + short  // RFC 5280 §4.1.2.5.1
        }
        guard let month = digits(2), let day = digits(2), let hour = digits(2), let minute = digits(2) else {
            return nil
        }
        var second: Int64 = 0
        if index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 {
            guard let parsed = digits(2) else { return nil }
            second = parsed
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") || bytes[index] == UInt8(ascii: ",") {
            index += 1
            while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 { index += 1 }
        }
        var offset: Int64 = 0
        if index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "Z"):
                index += 1
            case UInt8(ascii: "+"), UInt8(ascii: "-"):
                let sign: Int64 = bytes[index] == UInt8(ascii: "+") ? 1 : -1
                index += 1
                guard let zoneHours = digits(2), let zoneMinutes = digits(2) else { return nil }
                offset = sign * (zoneHours * 3_600 + zoneMinutes * 60)
            default:
                return nil
            }
        }
        guard index == bytes.count,
            var time = UnixTime(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
        else { return nil }
        time.seconds -= offset
        return time
    }
}

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif
