import PropertyBased
import Testing

@testable import SedimentObjectStore

/// The object store's XML replies (listings, multipart replies, errors) as `XMLScanner`
/// reads them: a store, or something posing as one, may send anything.
@Suite("Fuzz: object store XML replies")
struct XMLReplyFuzzTests {
    static let seeds = [
        #"<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>b</Name><Prefix>p/</Prefix><Marker></Marker><IsTruncated>true</IsTruncated><NextMarker>p/b</NextMarker><Contents><Key>p/a&amp;b</Key><LastModified>2026-11-25T10:00:00.000Z</LastModified><ETag>&quot;0cc175b9c0f1b6a831c399e269772661&quot;</ETag><Size>17</Size></Contents><Contents><Key>p/&#x263A;&#9731;</Key><Size>-1</Size></Contents></ListBucketResult>"#,
        #"<ListMultipartUploadsResult><Bucket>b</Bucket><IsTruncated>true</IsTruncated><NextKeyMarker>k</NextKeyMarker><NextUploadIdMarker>id</NextUploadIdMarker><Upload><Key>k</Key><UploadId>id</UploadId><Initiated>2026-11-25T10:00:00Z</Initiated></Upload><Upload><Key/><UploadId>x</UploadId></Upload></ListMultipartUploadsResult>"#,
        #"<InitiateMultipartUploadResult><Bucket>b</Bucket><Key>k</Key><UploadId>2~abc</UploadId></InitiateMultipartUploadResult>"#,
        #"<CompleteMultipartUploadResult><Location>http://h/b/k</Location><ETag>"3858f62230ac3c915f300c664312c11f-2"</ETag></CompleteMultipartUploadResult>"#,
        #"<Error><Code>SlowDown</Code><Message>Please reduce &lt;your&gt; request rate</Message><RequestId>4442587FB7D0A2F9</RequestId></Error>"#,
    ]
    static let tokens = ["<", ">", "</", "/>", "<Key>", "</Key>", "<Contents>", "</Contents>", "<Upload ", "&", "&amp;", "&#", "&#x", ";", "&#xD800;", "&#1114112;", "&#99999999999;", "\"", "<![CDATA[", "]]>", "<!--", "-->"]

    @Test("any reply is read element by element without trapping; values come back decoded")
    func replies() async {
        let names = FuzzInput.element(of: ["Key", "Contents", "Upload", "UploadId", "ETag", "Code", "Message", "IsTruncated", "NextMarker", "Size", "K", ""])
        let input = zip(FuzzInput.text(seeds: Self.seeds, tokens: Self.tokens, maxLength: 1500), names)
        await Fuzz.run("XML reply", count: 6000, input: input) { text, name in
            let xml = XMLScanner(text)
            let elements = xml.elements(name)
            for child in xml.children(name) {
                _ = child.value("Key")
                _ = child.value("Size").flatMap { Int64($0) }
            }
            let value = xml.value(name)
            try Fuzz.require((value == nil) == elements.isEmpty, "value and elements disagree")
            for element in elements where !element.isEmpty {
                try Fuzz.require(text.contains(element), "an element's text is not in the reply")
            }
            return elements.isEmpty ? .rejected : .accepted
        }
    }

    @Test("any text, escaped into an element, reads back as itself")
    func roundTrip() async {
        let input = FuzzInput.text(seeds: Self.seeds + ["a&b<c>\"d'e", "&amp;", "é\u{301}"], tokens: Self.tokens, maxLength: 300)
        await Fuzz.run("XML escape round trip", count: 4000, input: input) { text in
            let reply = "<ListBucketResult><Contents><Key>" + XMLScanner.escape(text) + "</Key></Contents></ListBucketResult>"
            let key = XMLScanner(reply).children("Contents").first?.value("Key")
            try Fuzz.require(key == text, "read back as \(String(reflecting: key))")
            return .accepted
        }
    }

    @Test("found by fuzzing: a value starting with a combining mark, and an entity followed by one, read back as sent")
    func regressions() {
        #expect(XMLScanner("<R><Key>\u{301}x</Key></R>").value("Key") == "\u{301}x")
        #expect(XMLScanner("<Key>a&amp;\u{301}</Key>").value("Key") == "a&\u{301}")
        #expect(XMLScanner("<Contents><Key>k</Key></Contents>\u{301}<Contents><Key>j</Key></Contents>").children("Contents").map { $0.value("Key") } == ["k", "j"])
        #expect(XMLScanner.escape("&\u{301}<") == "&amp;\u{301}&lt;")
        #expect(XMLScanner(String(repeating: "&", count: 100_000)).value("Key") == nil)
    }

}
