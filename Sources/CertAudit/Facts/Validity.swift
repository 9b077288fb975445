/// Whole days in a span of seconds, rounded toward minus infinity (expired a second ago: -1 days left).
enum Validity {
    static func floorDays(_ seconds: Int64) -> Int64 {
        seconds >= 0 ? seconds / 86_400 : -((-seconds + 86_399) / 86_400)
    }
}
