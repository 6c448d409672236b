/// What `FormatInspector` concluded about an upload's leading bytes.
package enum FormatVerdict: Equatable, Sendable {
    /// The data matches the declared `disk_format` and passed every safety check.
    case accepted
    /// The prefix is too short to decide; call again with a longer prefix (or with `complete: true`).
    case needMoreBytes
    /// The data does not match the declared `disk_format`, or is unsafe to hand to a hypervisor.
    ///
    /// `reason` is one plain sentence, safe to show to the uploader.
    case refused(reason: String)
}

/// Checks that uploaded image data really is the declared `disk_format` and carries nothing that makes
/// a hypervisor open other files (Glance's CVE-2024-32498 class: backing files, external data files,
/// VMDK extents and descriptor files, a qcow2 uploaded as `raw`).
///
/// The rules follow oslo.utils' `imageutils.format_inspector`, which Glance runs on upload, and are
/// stricter in a few documented places. The inspector only ever looks at the first
/// `maxPrefixBytes` bytes; it never needs the end of the data.
///
/// Formats without an inspector in oslo (and so without a check in Glance) are accepted as they
/// are: `ami`, `ari` and `aki` (Amazon kernel, ramdisk and machine images have no signature to
/// recognise) and `ploop` (Virtuozzo images; oslo has no inspector for them).
package enum FormatInspector {
    /// The longest prefix the inspector ever needs; the caller keeps at most this many leading bytes.
    ///
    /// It is 1 MiB + 512 bytes: a sparse VMDK's embedded descriptor starts at byte 512 and is read up
    /// to 1 MiB - 1 bytes long (the cap qemu and oslo apply), which is the largest region any rule
    /// reads. The ISO signature (byte 32769), the VHDX region table (byte 196608) and the qcow2 header
    /// extensions (walked no further than this) all fit. Given this many bytes, `inspect` always
    /// decides: it never answers `.needMoreBytes`.
    package static let maxPrefixBytes: Int = vmdkDescriptorOffset + vmdkDescriptorCap + 1

    /// Decides whether `prefix`, the first bytes of an upload, matches `declared` and is safe.
    ///
    /// - Parameters:
    ///   - declared: The image's `disk_format`.
    ///   - prefix: The first bytes of the data (up to `maxPrefixBytes`; more are ignored). Pass an
    ///     `Array` or `ArraySlice`: contiguous storage is read in place, anything else is copied.
    ///   - complete: `true` when `prefix` is the whole data (the upload ended), so that a body too
    ///     short for the region a rule reads is decided with what exists rather than waited for.
    /// - Returns: `.needMoreBytes` (cheaply) while the prefix is shorter than the region the rules for
    ///   `declared` read, and a final verdict once it is long enough or `complete` is `true`.
    package static func inspect(declared: DiskFormat, prefix: some Collection<UInt8>, complete: Bool) -> FormatVerdict {
        switch declared {
        case .ami, .ari, .aki, .ploop:
            return .accepted
        case .raw, .qcow2, .vhd, .vhdx, .vmdk, .vdi, .iso:
            break
        }
        if let verdict = prefix.withContiguousStorageIfAvailable({
            inspect(declared, PrefixBytes(buffer: $0), complete: complete)
        }) {
            return verdict
        }
        let copy = Array(prefix.prefix(maxPrefixBytes))
        return copy.withUnsafeBufferPointer { inspect(declared, PrefixBytes(buffer: $0), complete: complete) }
    }

    private static func inspect(_ declared: DiskFormat, _ data: PrefixBytes, complete: Bool) -> FormatVerdict {
        switch declared {
        case .qcow2: return inspectQcow2(data, complete: complete)
        case .vmdk: return inspectVMDK(data, complete: complete)
        case .vhd: return inspectVHD(data, complete: complete)
        case .vhdx: return inspectVHDX(data, complete: complete)
        case .vdi: return inspectVDI(data, complete: complete)
        case .iso: return inspectISO(data, complete: complete)
        case .raw: return inspectRaw(data, complete: complete)
        case .ami, .ari, .aki, .ploop: return .accepted
        }
    }

    // MARK: - qcow2

    private static let qcow2Magic: [UInt8] = [0x51, 0x46, 0x49, 0xFB]  // "QFI\xfb"
    /// oslo reads a 512-byte header region before judging a qcow2 image.
    private static let qcow2HeaderRegion = 512
    /// Incompatible feature bit 2: the guest data lives in an external file.
    private static let qcow2ExternalDataFileBit: UInt64 = 1 << 2
    /// Incompatible feature bits oslo knows (dirty, corrupt, external data file, compression type);
    /// any other bit set, extended L2 entries (bit 4) included, is refused as oslo does.
    private static let qcow2KnownIncompatibleBits: UInt64 = 0x0F
    /// Header extension naming the external data file ("DATA").
    private static let qcow2DataFileExtension: UInt32 = 0x4441_5441

    /// qcow2: the magic, version 2 or 3, no backing file, no external data file (feature bit or "DATA"
    /// header extension), no incompatible feature oslo does not know.
    private static func inspectQcow2(_ data: PrefixBytes, complete: Bool) -> FormatVerdict {
        switch data.match(qcow2Magic, at: 0, complete: complete) {
        case .undecided: return .needMoreBytes
        case .no: return refused("The data is not a qcow2 image (no QFI\\xfb signature).")
        case .yes: break
        }
        if let wait = shortfall(data, needed: qcow2HeaderRegion, complete: complete, format: .qcow2) { return wait }

        let version = data.be32(4)
        guard version == 2 || version == 3 else {
            return refused("Only qcow2 versions 2 and 3 are accepted.")
        }
        guard data.be64(8) == 0 else {
            return refused("qcow2 images with a backing file are not accepted.")
        }
        let clusterBits = data.be32(20)
        guard (9...21).contains(clusterBits) else {
            return refused("The qcow2 header is invalid (its cluster size is out of range).")
        }
        let clusterSize = 1 << Int(clusterBits)

        var extensionsStart = 72
        if version == 3 {
            let incompatible = data.be64(72)
            if incompatible & qcow2ExternalDataFileBit != 0 {
                return refused("qcow2 images with an external data file are not accepted.")
            }
            if incompatible & ~qcow2KnownIncompatibleBits != 0 {
                return refused("The qcow2 image uses incompatible features that are not accepted.")
            }
            let headerLength = Int(data.be32(100))
            guard headerLength >= 104, headerLength <= clusterSize else {
                return refused("The qcow2 header is invalid (its header length is out of range).")
            }
            extensionsStart = headerLength
        }
        return checkQcow2Extensions(data, from: extensionsStart, clusterSize: clusterSize, complete: complete)
    }

    /// Walks the header extensions (type, length, data padded to 8 bytes) that follow the header in the
    /// first cluster, as qemu does, refusing a "DATA" (external data file name) extension.
    private static func checkQcow2Extensions(
        _ data: PrefixBytes, from start: Int, clusterSize: Int, complete: Bool
    ) -> FormatVerdict {
        var offset = start
        while offset + 8 <= clusterSize {
            guard offset + 8 <= maxPrefixBytes else {
                return refused("The qcow2 header extension area is too long to inspect.")
            }
            if offset + 8 > data.count {
                // A complete body that ends here reads as zeros, which is the end marker.
                return complete ? .accepted : .needMoreBytes
            }
            let type = data.be32(offset)
            let length = Int(data.be32(offset + 4))
            if type == 0 { break }
            if type == qcow2DataFileExtension {
                return refused("qcow2 images with an external data file are not accepted.")
            }
            guard length <= clusterSize - offset - 8 else {
                return refused("The qcow2 header is invalid (a header extension is too long).")
            }
            offset += 8 + ((length + 7) & ~7)
        }
        return .accepted
    }

    // MARK: - vmdk

    private static let vmdkMagic: [UInt8] = Array("KDMV".utf8)
    /// The sparse header fields oslo reads (up to the grain directory offset).
    private static let vmdkSparseHeader = 64
    /// The only descriptor location oslo (and qemu, when it reads the descriptor back) accepts.
    private static let vmdkDescriptorOffset = 0x200
    /// oslo and qemu read at most 1 MiB - 1 bytes of descriptor.
    private static let vmdkDescriptorCap = (1 << 20) - 1
    /// qemu reads the parent file name from this many bytes at the descriptor offset, stopping at a NUL.
    private static let qemuDescriptorWindow = 20 * 512
    private static let vmdkAllowedCreateTypes: [[UInt8]] = [Array("monolithicsparse".utf8), Array("streamoptimized".utf8)]

    /// vmdk: a sparse (KDMV) file whose embedded descriptor names no other file. Descriptor-only VMDKs,
    /// which always refer to separate extent files, are refused.
    private static func inspectVMDK(_ data: PrefixBytes, complete: Bool) -> FormatVerdict {
        switch data.match(vmdkMagic, at: 0, complete: complete) {
        case .undecided:
            return .needMoreBytes
        case .no:
            // Only the wording depends on what the data looks like, so read oslo's 64 bytes to choose it.
            if data.count < vmdkSparseHeader && !complete { return .needMoreBytes }
            if data.count > 0 && data.allText(in: 0..<min(data.count, vmdkSparseHeader)) {
                return refused(
                    "vmdk descriptor files, which refer to other files, are not accepted; upload a monolithicSparse or streamOptimized vmdk."
                )
            }
            return refused("The data is not a vmdk image (no KDMV signature).")
        case .yes:
            break
        }
        if let wait = shortfall(data, needed: vmdkSparseHeader, complete: complete, format: .vmdk) { return wait }

        guard (1...3).contains(data.le32(4)) else {
            return refused("Only vmdk versions 1 to 3 are accepted.")
        }
        guard data.le64(28) == UInt64(vmdkDescriptorOffset / 512) else {
            return refused("The vmdk descriptor is not at the expected offset of 512 bytes.")
        }
        let sectors = data.le64(36)
        let size = sectors > UInt64(vmdkDescriptorCap / 512) ? vmdkDescriptorCap : min(Int(sectors) * 512, vmdkDescriptorCap)
        let end = vmdkDescriptorOffset + size
        if let wait = shortfall(data, needed: end, complete: complete, format: .vmdk) { return wait }
        return checkVMDKDescriptor(data.slice(vmdkDescriptorOffset..<end))
    }

    /// Applies oslo's descriptor rules (createType, one understood line kind per line, no '/' in
    /// extents, at least one extent) plus stricter ones: no parent file, and exactly one extent, of
    /// type SPARSE, which is how these images describe themselves.
    private static func checkVMDKDescriptor(_ region: PrefixBytes) -> FormatVerdict {
        guard region.count > 0 else {
            return refused("The vmdk image has no embedded descriptor.")
        }
        let textEnd: Int
        if let nul = region.firstIndex(of: 0, in: 0..<region.count) {
            textEnd = nul
        } else if region.count < qemuDescriptorWindow {
            // qemu would read on past the declared size, into bytes this check did not look at.
            return refused("The vmdk descriptor does not end within its declared size.")
        } else {
            textEnd = region.count
        }
        let text = region.slice(0..<textEnd)
        guard text.count > 0 else {
            return refused("The vmdk image has no embedded descriptor.")
        }
        guard text.allASCII else {
            return refused("The vmdk descriptor is not ASCII text.")
        }

        guard let typeStart = text.find(lowercased: Array("createtype=\"".utf8), in: 0..<text.count).map({ $0 + 12 }),
            let typeEnd = text.firstIndex(of: UInt8(ascii: "\""), in: typeStart..<text.count),
            typeEnd - typeStart < 64
        else {
            return refused("The vmdk descriptor has no createType.")
        }
        guard vmdkAllowedCreateTypes.contains(where: { text.equals(lowercased: $0, in: typeStart..<typeEnd) }) else {
            return refused("Only monolithicSparse and streamOptimized vmdk images are accepted.")
        }
        if text.find(lowercased: Array("parentfilenamehint".utf8), in: 0..<text.count) != nil {
            return refused("vmdk images with a parent (backing) file are not accepted.")
        }

        var extents = 0
        var lineStart = 0
        while lineStart <= text.count {
            let newline = text.firstIndex(of: UInt8(ascii: "\n"), in: lineStart..<text.count) ?? text.count
            let line = text.trimmed(lineStart..<newline)
            lineStart = newline + 1
            switch classifyDescriptorLine(text, line) {
            case .ignored:
                continue
            case .unknown:
                return refused("The vmdk descriptor contains a line that is not understood.")
            case .extent:
                extents += 1
                if text.firstIndex(of: UInt8(ascii: "/"), in: line) != nil {
                    return refused("vmdk extents that name a file in another directory are not accepted.")
                }
                let fields = text.fields(in: line)
                guard fields.count >= 3, text.equals(lowercased: Array("sparse".utf8), in: fields[2]) else {
                    return refused("vmdk images whose extents are in other files are not accepted.")
                }
            }
        }
        guard extents > 0 else {
            return refused("The vmdk descriptor declares no extent.")
        }
        guard extents == 1 else {
            return refused("vmdk images whose extents are in other files are not accepted.")
        }
        return .accepted
    }

    private enum DescriptorLine { case ignored, extent, unknown }

    /// oslo's line grammar: blank and `#` lines, `ddb…` lines, `key=value` header fields (no space
    /// before the first '='), and extent lines starting with an access mode.
    private static func classifyDescriptorLine(_ text: PrefixBytes, _ line: Range<Int>) -> DescriptorLine {
        if line.isEmpty || text[line.lowerBound] == UInt8(ascii: "#") { return .ignored }
        if text.equals(lowercased: Array("ddb".utf8), in: line.lowerBound..<min(line.lowerBound + 3, line.upperBound)) {
            return .ignored
        }
        if let equals = text.firstIndex(of: UInt8(ascii: "="), in: line),
            text.firstIndex(of: UInt8(ascii: " "), in: line.lowerBound..<equals) == nil
        {
            return .ignored
        }
        let firstWord = line.lowerBound..<(text.firstIndex(of: UInt8(ascii: " "), in: line) ?? line.upperBound)
        for access in ["rw", "rdonly", "noaccess"] where text.equals(lowercased: Array(access.utf8), in: firstWord) {
            return .extent
        }
        return .unknown
    }

    // MARK: - vhd

    private static let vhdMagic: [UInt8] = Array("conectix".utf8)
    private static let vhdFooterSize = 512
    private static let vhdDifferencingDiskType: UInt32 = 4

    /// vhd: the "conectix" footer copy at the start, which dynamic VHDs carry (fixed VHDs only have the
    /// footer at the end and are refused, as oslo refuses them), and not a differencing disk.
    private static func inspectVHD(_ data: PrefixBytes, complete: Bool) -> FormatVerdict {
        switch data.match(vhdMagic, at: 0, complete: complete) {
        case .undecided: return .needMoreBytes
        case .no: return refused("The data is not a vhd image (no conectix signature at the start).")
        case .yes: break
        }
        if let wait = shortfall(data, needed: vhdFooterSize, complete: complete, format: .vhd) { return wait }
        if data.be32(60) == vhdDifferencingDiskType {
            return refused("vhd differencing images, which refer to a parent file, are not accepted.")
        }
        return .accepted
    }

    // MARK: - vhdx

    private static let vhdxMagic: [UInt8] = Array("vhdxfile".utf8)
    private static let vhdxRegionTableOffset = 192 * 1024
    private static let vhdxRegionTableMagic: [UInt8] = Array("regi".utf8)

    /// vhdx: the "vhdxfile" identifier and the region table signature at 192 KiB, which oslo parses.
    private static func inspectVHDX(_ data: PrefixBytes, complete: Bool) -> FormatVerdict {
        switch data.match(vhdxMagic, at: 0, complete: complete) {
        case .undecided: return .needMoreBytes
        case .no: return refused("The data is not a vhdx image (no vhdxfile signature).")
        case .yes: break
        }
        let needed = vhdxRegionTableOffset + vhdxRegionTableMagic.count
        if let wait = shortfall(data, needed: needed, complete: complete, format: .vhdx) { return wait }
        guard data.has(vhdxRegionTableMagic, at: vhdxRegionTableOffset) else {
            return refused("The vhdx image has no region table.")
        }
        return .accepted
    }

    // MARK: - vdi

    private static let vdiSignatureOffset = 0x40
    private static let vdiSignature: [UInt8] = [0x7F, 0x10, 0xDA, 0xBE]  // 0xbeda107f, little-endian
    private static let vdiHeaderSize = 512

    /// vdi: the signature 0xbeda107f (little-endian) at byte 64 of a 512-byte header, and no other
    /// format's signature at the start.
    private static func inspectVDI(_ data: PrefixBytes, complete: Bool) -> FormatVerdict {
        switch data.match(vdiSignature, at: vdiSignatureOffset, complete: complete) {
        case .undecided: return .needMoreBytes
        case .no: return refused("The data is not a vdi image (no VDI signature at byte 64).")
        case .yes: break
        }
        if let verdict = refuseForeign(data, complete: complete, declared: .vdi) { return verdict }
        if let wait = shortfall(data, needed: vdiHeaderSize, complete: complete, format: .vdi) { return wait }
        return .accepted
    }

    // MARK: - iso

    private static let isoDescriptorOffset = 32 * 1024
    /// oslo reads the 32 KiB system area and the first 2 KiB volume descriptor.
    private static let isoRegion = isoDescriptorOffset + 2 * 1024
    private static let isoSignatures: [[UInt8]] = [Array("CD001".utf8), Array("NSR02".utf8), Array("NSR03".utf8)]

    /// iso: "CD001" (ISO 9660) or "NSR02"/"NSR03" (UDF) at byte 32769, as oslo checks, and no other
    /// format's signature at the start (oslo refuses data that matches several formats).
    private static func inspectISO(_ data: PrefixBytes, complete: Bool) -> FormatVerdict {
        if let verdict = refuseForeign(data, complete: complete, declared: .iso) { return verdict }
        let signatureAt = isoDescriptorOffset + 1
        let noSignature = refused("The data is not an iso image (no CD001, NSR02 or NSR03 signature at byte 32769).")
        guard data.count >= signatureAt + 5 else {
            return complete ? noSignature : .needMoreBytes
        }
        guard isoSignatures.contains(where: { data.has($0, at: signatureAt) }) else { return noSignature }
        if let wait = shortfall(data, needed: isoRegion, complete: complete, format: .iso) { return wait }
        return .accepted
    }

    // MARK: - raw

    /// raw: anything, except data that a hypervisor probing the format would open as another format
    /// (qcow2, qed, vmdk, vhd, vhdx, vdi), which is the CVE-2024-32498 attack. ISO content is raw.
    private static func inspectRaw(_ data: PrefixBytes, complete: Bool) -> FormatVerdict {
        refuseForeign(data, complete: complete, declared: .raw) ?? .accepted
    }

    // MARK: - Recognising other formats

    /// A signature at a fixed offset that qemu's format probes (and oslo's inspectors) recognise.
    private struct Signature {
        /// How a reason names the format, e.g. "a qcow2 image".
        let name: String
        /// The declared format the signature belongs to, if it is one of ours.
        let format: DiskFormat?
        let bytes: [UInt8]
        let offset: Int
    }

    private static let foreignSignatures: [Signature] = [
        Signature(name: "a qcow2 image", format: .qcow2, bytes: qcow2Magic, offset: 0),
        Signature(name: "a qed image", format: nil, bytes: Array("QED".utf8) + [0], offset: 0),
        Signature(name: "a vmdk image", format: .vmdk, bytes: vmdkMagic, offset: 0),
        Signature(name: "a vhd image", format: .vhd, bytes: vhdMagic, offset: 0),
        Signature(name: "a vhdx image", format: .vhdx, bytes: vhdxMagic, offset: 0),
        Signature(name: "a vdi image", format: .vdi, bytes: vdiSignature, offset: vdiSignatureOffset),
    ]
    /// qemu probes formats on the first 2 KiB; a VMDK descriptor is recognised within it.
    private static let probeWindow = 2048
    /// The lines qemu's probe takes for the start of a VMDK descriptor, with LF and CRLF endings.
    private static let vmdkVersionLines: [[UInt8]] = ["1", "2", "3"].flatMap { version in
        [Array("version=\(version)\n".utf8), Array("version=\(version)\r\n".utf8)]
    }

    /// Refuses data that is recognisably another format than `declared`, answers `.needMoreBytes`
    /// while that cannot be ruled out yet, and returns `nil` once it is ruled out.
    private static func refuseForeign(_ data: PrefixBytes, complete: Bool, declared: DiskFormat) -> FormatVerdict? {
        var undecided = false
        for candidate in foreignSignatures where candidate.format != declared {
            switch data.match(candidate.bytes, at: candidate.offset, complete: complete) {
            case .yes: return refused("The data is \(candidate.name), but disk_format is \(declared.rawValue).")
            case .undecided: undecided = true
            case .no: break
            }
        }
        switch looksLikeVMDKDescriptor(data, complete: complete) {
        case .yes: return refused("The data is a vmdk descriptor file, but disk_format is \(declared.rawValue).")
        case .undecided: undecided = true
        case .no: break
        }
        return undecided ? .needMoreBytes : nil
    }

    /// Whether the data is a VMDK text descriptor: qemu's probe (comment and blank lines, then a
    /// `version=1|2|3` line, within the first 2 KiB) or oslo's test (the first 64 bytes are text and
    /// the text holds a `createType="`), here applied to the same 2 KiB window.
    private static func looksLikeVMDKDescriptor(_ data: PrefixBytes, complete: Bool) -> PrefixMatch {
        let available = min(data.count, probeWindow)
        let final = complete || data.count >= probeWindow
        switch qemuVMDKProbe(data, end: available, final: final) {
        case .yes: return .yes
        case .undecided: return .undecided
        case .no: break
        }
        let head = min(available, 64)
        if head < 64 && !final { return .undecided }
        guard head > 0, data.allText(in: 0..<head) else { return .no }
        let textEnd = data.firstIndex(of: 0, in: 0..<available) ?? available
        // Search once the text can no longer grow within the window.
        if textEnd == available && !final { return .undecided }
        return data.find(lowercased: Array("createtype=\"".utf8), in: 0..<textEnd) != nil ? .yes : .no
    }

    /// qemu's `vmdk_probe` for descriptor text over `data[0..<end]`; `final` says no more bytes will
    /// join the window.
    private static func qemuVMDKProbe(_ data: PrefixBytes, end: Int, final: Bool) -> PrefixMatch {
        let hash = UInt8(ascii: "#")
        let space = UInt8(ascii: " ")
        let newline = UInt8(ascii: "\n")
        var p = 0
        while p < end {
            if data[p] == hash {
                while p < end && data[p] != newline { p += 1 }
                p += 1
                continue
            }
            if data[p] == space {
                while p < end && data[p] == space { p += 1 }
                if p < end && data[p] == UInt8(ascii: "\r") { p += 1 }
                if p == end { return final ? .no : .undecided }
                if data[p] != newline { return .no }
                p += 1
                continue
            }
            if vmdkVersionLines.contains(where: { data.has($0, at: p, end: end) }) { return .yes }
            // "version=N\r\n" is 11 bytes: a shorter rest of the window may still grow into one.
            return end - p < 11 && !final ? .undecided : .no
        }
        return final ? .no : .undecided
    }

    // MARK: - Helpers

    private static func refused(_ reason: String) -> FormatVerdict { .refused(reason: reason) }

    /// The verdict while `data` is shorter than `needed`, or `nil` once it is long enough.
    private static func shortfall(_ data: PrefixBytes, needed: Int, complete: Bool, format: DiskFormat) -> FormatVerdict? {
        guard data.count < needed else { return nil }
        guard complete else { return .needMoreBytes }
        let article = format == .iso ? "an" : "a"
        return refused("The data is too short to be \(article) \(format.rawValue) image.")
    }
}

/// Whether a test on the bytes passed, failed, or needs bytes that have not arrived.
private enum PrefixMatch { case yes, no, undecided }

/// A read-only view of the prefix; reads past the end yield zero instead of trapping.
private struct PrefixBytes {
    let buffer: UnsafeBufferPointer<UInt8>

    var count: Int { buffer.count }

    subscript(_ index: Int) -> UInt8 { index >= 0 && index < buffer.count ? buffer[index] : 0 }

    func be32(_ offset: Int) -> UInt32 {
        var value: UInt32 = 0
        for k in 0..<4 { value = value << 8 | UInt32(self[offset + k]) }
        return value
    }

    func be64(_ offset: Int) -> UInt64 { UInt64(be32(offset)) << 32 | UInt64(be32(offset + 4)) }

    func le32(_ offset: Int) -> UInt32 {
        var value: UInt32 = 0
        for k in (0..<4).reversed() { value = value << 8 | UInt32(self[offset + k]) }
        return value
    }

    func le64(_ offset: Int) -> UInt64 { UInt64(le32(offset + 4)) << 32 | UInt64(le32(offset)) }

    /// The bytes in `range` (clamped to the view) as a view of their own, indexed from zero.
    func slice(_ range: Range<Int>) -> PrefixBytes {
        let clamped = range.clamped(to: 0..<buffer.count)
        return PrefixBytes(buffer: UnsafeBufferPointer(rebasing: buffer[clamped]))
    }

    /// Whether `signature` sits at `offset`, entirely before `end`.
    func has(_ signature: [UInt8], at offset: Int, end: Int? = nil) -> Bool {
        let limit = Swift.min(end ?? buffer.count, buffer.count)
        guard offset >= 0, offset + signature.count <= limit else { return false }
        for (k, byte) in signature.enumerated() where buffer[offset + k] != byte { return false }
        return true
    }

    /// Like `has`, but `.undecided` while the signature's bytes have not all arrived.
    func match(_ signature: [UInt8], at offset: Int, complete: Bool) -> PrefixMatch {
        if offset + signature.count > buffer.count { return complete ? .no : .undecided }
        return has(signature, at: offset) ? .yes : .no
    }

    func firstIndex(of byte: UInt8, in range: Range<Int>) -> Int? {
        let clamped = range.clamped(to: 0..<buffer.count)
        return buffer[clamped].firstIndex(of: byte)
    }

    /// The first index in `range` where `needle` (lowercase ASCII) occurs, ignoring ASCII case.
    func find(lowercased needle: [UInt8], in range: Range<Int>) -> Int? {
        let clamped = range.clamped(to: 0..<buffer.count)
        guard !needle.isEmpty, clamped.count >= needle.count else { return nil }
        let first = needle[0]
        for start in clamped.lowerBound...(clamped.upperBound - needle.count)
        where Self.lowercase(buffer[start]) == first && equals(lowercased: needle, in: start..<start + needle.count) {
            return start
        }
        return nil
    }

    /// Whether the bytes in `range` equal `other` (lowercase ASCII), ignoring ASCII case.
    func equals(lowercased other: [UInt8], in range: Range<Int>) -> Bool {
        guard range.count == other.count, range.lowerBound >= 0, range.upperBound <= buffer.count else { return false }
        for (k, byte) in other.enumerated() where Self.lowercase(buffer[range.lowerBound + k]) != byte { return false }
        return true
    }

    var allASCII: Bool { buffer.allSatisfy { $0 < 0x80 } }

    /// Whether every byte in `range` is printable ASCII or whitespace (Python's `isprintable() or isspace()`).
    func allText(in range: Range<Int>) -> Bool {
        buffer[range.clamped(to: 0..<buffer.count)].allSatisfy { (0x20...0x7E).contains($0) || Self.isSpace($0) }
    }

    /// `range` without leading and trailing whitespace (Python's `str.strip()` on ASCII).
    func trimmed(_ range: Range<Int>) -> Range<Int> {
        var lower = range.lowerBound
        var upper = range.upperBound
        while lower < upper && Self.isSpace(self[lower]) { lower += 1 }
        while upper > lower && Self.isSpace(self[upper - 1]) { upper -= 1 }
        return lower..<upper
    }

    /// The whitespace-separated fields in `range`.
    func fields(in range: Range<Int>) -> [Range<Int>] {
        var result: [Range<Int>] = []
        var index = range.lowerBound
        while index < range.upperBound {
            while index < range.upperBound && Self.isSpace(self[index]) { index += 1 }
            let start = index
            while index < range.upperBound && !Self.isSpace(self[index]) { index += 1 }
            if start < index { result.append(start..<index) }
        }
        return result
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || (0x09...0x0D).contains(byte) || (0x1C...0x1F).contains(byte)
    }

    private static func lowercase(_ byte: UInt8) -> UInt8 {
        (0x41...0x5A).contains(byte) ? byte + 0x20 : byte
    }
}
