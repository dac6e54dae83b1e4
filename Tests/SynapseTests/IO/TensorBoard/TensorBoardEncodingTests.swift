import Foundation
import Testing
@testable import Synapse
@testable import SynapseIO

@Suite struct TensorBoardEncodingTests {
    private func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    @Test func crc32cKnownVectors() {
        // RFC 3720 (iSCSI) appendix B.4 test vectors and the standard check value.
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
        #expect(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)) == 0x62A8_AB43)
        #expect(CRC32C.checksum((0..<32).map(UInt8.init)) == 0x46DD_794E)
        #expect(CRC32C.checksum((0..<32).map { UInt8(31 - $0) }) == 0x113F_DB5C)
        #expect(CRC32C.checksum([UInt8]()) == 0)
    }

    @Test func maskedCRCMatchesTensorFlow() {
        // Values from tensorboard.compat.tensorflow_stub.pywrap_tensorflow.masked_crc32c.
        #expect(CRC32C.maskedChecksum(Array("123456789".utf8)) == 0xC78A_B0E5)
        #expect(CRC32C.maskedChecksum([UInt8]()) == 0xA282_EAD8)
        #expect(CRC32C.maskedChecksum((0..<32).map(UInt8.init)) == 0x951F_7892)
    }

    @Test func eventsEncodeLikeTheReferenceProtobuf() {
        // Expected bytes: tensorboard.compat.proto.event_pb2.Event(...).SerializeToString().
        let scalar = TensorBoardEvent.summary([.scalar(tag: "loss", value: 0.25)], step: 3, wallTime: 1.5)
        #expect(hex(scalar) == "09000000000000f83f10032a0d0a0b0a046c6f7373150000803e")
        #expect(hex(TensorBoardEvent.fileVersion(wallTime: 2)) == "0900000000000000401a0d627261696e2e4576656e743a32")
        let negativeStep = TensorBoardEvent.summary([], step: -1, wallTime: 1)
        #expect(hex(negativeStep) == "09000000000000f03f10ffffffffffffffffff012a00")
    }

    @Test func recordFraming() {
        let data: [UInt8] = Array("123456789".utf8)
        let record = TFRecord.frame(data)
        #expect(record.count == 8 + 4 + data.count + 4)
        #expect(Array(record[0..<8]) == [9, 0, 0, 0, 0, 0, 0, 0])
        let lengthCRC = record[8..<12].reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        #expect(lengthCRC == CRC32C.maskedChecksum(record[0..<8]))
        #expect(Array(record[12..<21]) == data)
        let dataCRC = record[21..<25].reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        #expect(dataCRC == 0xC78A_B0E5)
    }

    @Test func histogramBuckets() {
        let h = TensorBoardHistogram([0, 1, 2, 3, 4, .nan, 4, .infinity], bins: 4)
        #expect(h.count == 6 && h.nonFiniteCount == 2)
        #expect(h.min == 0 && h.max == 4)
        #expect(h.sum == 14 && h.sumOfSquares == 46)
        #expect(h.bucketLimits == [1, 2, 3, 4])
        #expect(h.bucketCounts == [1, 1, 1, 3])   // the maximum falls in the last bucket

        let constant = TensorBoardHistogram([2, 2, 2], bins: 10)
        #expect(constant.bucketLimits == [2] && constant.bucketCounts == [3])

        let empty = TensorBoardHistogram([.nan], bins: 10)
        #expect(empty.count == 0 && empty.bucketLimits.isEmpty && empty.nonFiniteCount == 1)
    }
}
