import CZlib

/// zlib streams, as Python's `zlib.compress` writes them and damo's json_compressed holds.
enum Zlib {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func compress(_ input: [UInt8]) throws -> [UInt8] {
        var capacity = compressBound(uLong(input.count))
        var output = [UInt8](repeating: 0, count: Int(capacity))
        let status = output.withUnsafeMutableBufferPointer { out in
            input.withUnsafeBufferPointer { compress2(out.baseAddress, &capacity, $0.baseAddress, uLong(input.count), Z_DEFAULT_COMPRESSION) }
        }
        guard status == Z_OK else { throw Failure(description: "zlib could not compress (\(status))") }
        return Array(output.prefix(Int(capacity)))
    }

    /// Refuses streams that inflate beyond `limit` bytes (a record is read whole into memory).
    static func decompress(_ input: [UInt8], limit: Int = 1 << 32) throws -> [UInt8] {
        var stream = z_stream()
        guard inflateInit_(&stream, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw Failure(description: "zlib could not start inflating")
        }
        defer { inflateEnd(&stream) }
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        var input = input
        return try input.withUnsafeMutableBufferPointer { source in
            stream.next_in = source.baseAddress
            stream.avail_in = uInt(source.count)
            while true {
                let (status, produced) = chunk.withUnsafeMutableBufferPointer { buffer -> (Int32, Int) in
                    stream.next_out = buffer.baseAddress
                    stream.avail_out = uInt(buffer.count)
                    let status = inflate(&stream, Z_NO_FLUSH)
                    return (status, buffer.count - Int(stream.avail_out))
                }
                output.append(contentsOf: chunk.prefix(produced))
                guard output.count <= limit else { throw Failure(description: "the record inflates beyond \(limit) bytes") }
                switch status {
                case Z_STREAM_END: return output
                case Z_OK: continue
                case Z_BUF_ERROR where stream.avail_in == 0: throw Failure(description: "the compressed record is cut short")
                default: throw Failure(description: "not a zlib stream (\(status))")
                }
            }
        }
    }
}
