extension Message {
    /// Appends this message as one line of Sediment's lossless JSON (with its "\n").
    public func appendJSONLine(topic: String, to out: inout [UInt8]) {
        JSONLineEncoder.append(self, topic: topic, to: &out)
    }
}
