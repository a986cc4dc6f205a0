import Testing
@testable import Sediment

@Suite("WindowFileSuffix")
struct WindowFileSuffixTests {
    @Test("what a suffix writes reads back as the same partition and part, for the one series and a split one, part 1 and above")
    func roundTrip() {
        for splitPartition in [nil, 0, 7, Int32.max] as [Int32?] {
            for part in [1, 2, 10, 123] {
                let suffix = WindowFileSuffix(splitPartition: splitPartition, part: part)
                #expect(WindowFileSuffix(parsing: Substring(suffix.text)) == suffix, "\(suffix.text)")
            }
        }
        #expect(WindowFileSuffix().text == "")
        #expect(WindowFileSuffix(splitPartition: 7, part: 3).text == ".p7.part3")
        #expect(WindowFileSuffix(part: 2).text == ".part2")
        #expect(WindowFileSuffix(splitPartition: 0).text == ".p0")
    }

    @Test("a name no suffix writes is refused: a partition or part without its number, or with another spelling of it")
    func malformed() {
        for text in [".p.part2", ".px", ".part", ".p", ".p7.part", ".part1", ".p7.part1", ".part2.p7", ".p07", ".p+7", ".p-1", ".part02",
                     ".p4294967296", ".p7.p8", ".part2.part3", "p7", ".p7.", ".p٣", "x.p7"] {
            #expect(WindowFileSuffix(parsing: Substring(text)) == nil, "\(text)")
        }
    }

    @Test("the suffix's pieces are read off the end of a longer name, leaving what is before them")
    func endings() {
        let part = WindowFileSuffix.part(endingAt: "orders/1699999200.p7.part3")
        #expect(part?.part == 3 && part?.before == "orders/1699999200.p7")
        let partition = WindowFileSuffix.splitPartition(endingAt: "orders/1699999200.p7")
        #expect(partition?.partition == 7 && partition?.before == "orders/1699999200")
        #expect(WindowFileSuffix.part(endingAt: "orders/1699999200.p7") == nil)
        #expect(WindowFileSuffix.splitPartition(endingAt: "orders/1699999200.part3") == nil)
    }
}
