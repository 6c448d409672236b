import PortalDomain
import Testing

// MARK: - Building images in code

/// Minimal, real-layout image headers for the inspector tests.
private enum ImageBuilder {
    static func be32(_ value: UInt32) -> [UInt8] { (0..<4).reversed().map { UInt8(truncatingIfNeeded: value >> ($0 * 8)) } }
    static func be64(_ value: UInt64) -> [UInt8] { (0..<8).reversed().map { UInt8(truncatingIfNeeded: value >> ($0 * 8)) } }
    static func le32(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: value >> ($0 * 8)) } }
    static func le64(_ value: UInt64) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: value >> ($0 * 8)) } }
    static func ascii(_ text: String) -> [UInt8] { Array(text.utf8) }

    /// Writes `bytes` at `offset`, growing `data` with zeros if needed.
    static func put(_ bytes: [UInt8], at offset: Int, in data: inout [UInt8]) {
        if data.count < offset + bytes.count { data += [UInt8](repeating: 0, count: offset + bytes.count - data.count) }
        data.replaceSubrange(offset..<offset + bytes.count, with: bytes)
    }

    /// `data` with `bytes` written at `offset`.
    static func patched(_ data: [UInt8], _ bytes: [UInt8], at offset: Int) -> [UInt8] {
        var result = data
        put(bytes, at: offset, in: &result)
        return result
    }

    /// Deterministic pseudo-random bytes (SplitMix64).
    static func random(_ count: Int, seed: UInt64 = 42) -> [UInt8] {
        var state = seed
        var result: [UInt8] = []
        result.reserveCapacity(count)
        while result.count < count {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            z ^= z >> 31
            result += le64(z).prefix(count - result.count)
        }
        return result
    }

    /// A qcow2 header (v2: 72 bytes; v3: `headerLength` bytes) followed by header extensions and the
    /// end marker, padded to `size`.
    static func qcow2(
        version: UInt32 = 3, backingOffset: UInt64 = 0, clusterBits: UInt32 = 16, incompatible: UInt64 = 0,
        headerLength: UInt32 = 112, extensions: [(type: UInt32, data: [UInt8])] = [], size: Int = 4096
    ) -> [UInt8] {
        var data = [UInt8](repeating: 0, count: size)
        put([0x51, 0x46, 0x49, 0xFB], at: 0, in: &data)
        put(be32(version), at: 4, in: &data)
        put(be64(backingOffset), at: 8, in: &data)
        put(be32(backingOffset == 0 ? 0 : 10), at: 16, in: &data)
        put(be32(clusterBits), at: 20, in: &data)
        put(be64(64 << 20), at: 24, in: &data)  // virtual size
        put(be32(1), at: 36, in: &data)  // l1_size
        put(be64(0x30000), at: 40, in: &data)  // l1_table_offset
        put(be64(0x10000), at: 48, in: &data)  // refcount_table_offset
        put(be32(1), at: 56, in: &data)  // refcount_table_clusters
        var offset = 72
        if version >= 3 {
            put(be64(incompatible), at: 72, in: &data)
            put(be32(4), at: 96, in: &data)  // refcount_order
            put(be32(headerLength), at: 100, in: &data)
            offset = Int(headerLength)
        }
        for ext in extensions {
            put(be32(ext.type) + be32(UInt32(ext.data.count)) + ext.data, at: offset, in: &data)
            offset += 8 + (ext.data.count + 7) / 8 * 8
        }
        put(be64(0), at: offset, in: &data)  // end marker
        if backingOffset != 0 { put(ascii("base.img.."), at: Int(backingOffset), in: &data) }
        return data
    }

    static let featureNameTable: (type: UInt32, data: [UInt8]) = (0x6803_F857, [UInt8](repeating: 0x61, count: 384))
    static let backingFormat: (type: UInt32, data: [UInt8]) = (0xE279_2ACA, ascii("qcow2"))
    static let dataFileName: (type: UInt32, data: [UInt8]) = (0x4441_5441, ascii("datafile.raw"))

    /// A monolithicSparse/streamOptimized style embedded descriptor.
    static func descriptor(
        createType: String? = "monolithicSparse", extents: [String] = [#"RW 131072 SPARSE "disk.vmdk""#],
        extra: [String] = [], lineEnding: String = "\n"
    ) -> String {
        var lines = ["# Disk DescriptorFile", "version=1", "CID=1b0f224a", "parentCID=ffffffff"]
        if let createType { lines.append(#"createType="\#(createType)""#) }
        lines += extra
        lines += ["", "# Extent description"] + extents
        lines += ["", "# The Disk Data Base", "#DDB", "", #"ddb.virtualHWVersion = "4""#, #"ddb.adapterType = "ide""#]
        return lines.joined(separator: lineEnding) + lineEnding
    }

    /// A sparse (KDMV) VMDK: 512-byte header, then the descriptor at sector `descriptorSector`
    /// spanning `descriptorSectors` sectors, NUL padded, then zeros up to `size`.
    static func sparseVMDK(
        descriptor text: [UInt8], version: UInt32 = 1, capacity: UInt64 = 131_072, descriptorSector: UInt64 = 1,
        descriptorSectors: UInt64 = 20, gdOffset: UInt64 = 21, size: Int = 65536
    ) -> [UInt8] {
        var data = [UInt8](repeating: 0, count: size)
        put(ascii("KDMV"), at: 0, in: &data)
        put(le32(version), at: 4, in: &data)
        put(le32(3), at: 8, in: &data)  // flags
        put(le64(capacity), at: 12, in: &data)
        put(le64(128), at: 20, in: &data)  // grain size
        put(le64(descriptorSector), at: 28, in: &data)
        put(le64(descriptorSectors), at: 36, in: &data)
        put(le32(512), at: 44, in: &data)  // GTEs per GT
        put(le64(gdOffset), at: 56, in: &data)
        put(text, at: Int(descriptorSector) * 512, in: &data)
        return data
    }

    static func sparseVMDK(_ text: String) -> [UInt8] { sparseVMDK(descriptor: ascii(text)) }

    /// A dynamic VHD: the 512-byte footer copy at the start, with `diskType` at byte 60.
    static func vhd(diskType: UInt32 = 3, size: Int = 2560) -> [UInt8] {
        var data = [UInt8](repeating: 0, count: size)
        put(ascii("conectix"), at: 0, in: &data)
        put(be32(2), at: 8, in: &data)
        put(be32(0x0001_0000), at: 12, in: &data)
        put(be64(512), at: 16, in: &data)
        put(ascii("qemu"), at: 28, in: &data)
        put(be64(64 << 20), at: 40, in: &data)
        put(be32(diskType), at: 60, in: &data)
        put(ascii("cxsparse"), at: 512, in: &data)
        return data
    }

    /// A VHDX: file identifier at 0 and (optionally) the region table signature at 192 KiB.
    static func vhdx(regionTable: Bool = true) -> [UInt8] {
        var data = [UInt8](repeating: 0, count: 256 * 1024)
        put(ascii("vhdxfile") + [0x51, 0, 0x45, 0, 0x4D, 0, 0x55, 0], at: 0, in: &data)
        put(ascii("head"), at: 64 * 1024, in: &data)
        if regionTable { put(ascii("regi"), at: 192 * 1024, in: &data) }
        return data
    }

    /// A VDI: text banner, then the signature 0xbeda107f (little-endian) at byte 64.
    static func vdi(size: Int = 1024) -> [UInt8] {
        var data = [UInt8](repeating: 0, count: size)
        put(ascii("<<< QEMU VM Virtual Disk Image >>>\n"), at: 0, in: &data)
        put(le32(0xBEDA_107F), at: 0x40, in: &data)
        put(le32(0x0001_0001), at: 0x44, in: &data)
        return data
    }

    /// An ISO 9660 (or UDF) image: system area, then a volume descriptor with `signature` at `descriptorAt + 1`.
    static func iso(signature: String = "CD001", descriptorAt: Int = 32768, size: Int = 40960) -> [UInt8] {
        var data = [UInt8](repeating: 0, count: size)
        put([1] + ascii(signature) + [1], at: descriptorAt, in: &data)
        return data
    }

    /// A classic MBR boot sector with one partition.
    static func mbr() -> [UInt8] {
        var data = random(512, seed: 7)
        put([0x33, 0xC0, 0x8E, 0xD0], at: 0, in: &data)
        put([0x80, 0x20, 0x21, 0x00, 0x83, 0xAA, 0xBB, 0xCC] + le32(2048) + le32(204_800), at: 446, in: &data)
        put([UInt8](repeating: 0, count: 48), at: 462, in: &data)
        put([0x55, 0xAA], at: 510, in: &data)
        return data + [UInt8](repeating: 0, count: 8192)
    }
}

// MARK: - Cases

/// What a case expects: a verdict, or a refusal whose reason contains the given text.
private enum ExpectedVerdict: Sendable, CustomStringConvertible {
    case accepted
    case needMoreBytes
    case refused(containing: String)

    var description: String {
        switch self {
        case .accepted: "accepted"
        case .needMoreBytes: "needMoreBytes"
        case .refused(let text): "refused(\(text))"
        }
    }

    func matches(_ verdict: FormatVerdict) -> Bool {
        switch (self, verdict) {
        case (.accepted, .accepted), (.needMoreBytes, .needMoreBytes): true
        case (.refused(let text), .refused(let reason)): reason.contains(text)
        default: false
        }
    }
}

private struct InspectionCase: Sendable, CustomTestStringConvertible {
    let name: String
    let declared: DiskFormat
    let data: [UInt8]
    var complete = true
    let expected: ExpectedVerdict

    var testDescription: String { "\(declared.rawValue): \(name)" }
}

private let backingReason = "qcow2 images with a backing file are not accepted."
private let dataFileReason = "qcow2 images with an external data file are not accepted."
private let notQcow2Reason = #"The data is not a qcow2 image (no QFI\xfb signature)."#

private let qcow2Cases: [InspectionCase] = [
    InspectionCase(name: "v3 without extensions", declared: .qcow2, data: ImageBuilder.qcow2(), expected: .accepted),
    InspectionCase(name: "v2 without extensions", declared: .qcow2, data: ImageBuilder.qcow2(version: 2), expected: .accepted),
    InspectionCase(
        name: "v3 with feature table and backing format extensions", declared: .qcow2,
        data: ImageBuilder.qcow2(extensions: [ImageBuilder.backingFormat, ImageBuilder.featureNameTable]), expected: .accepted),
    InspectionCase(
        name: "v3 dirty and compression-type bits", declared: .qcow2, data: ImageBuilder.qcow2(incompatible: 0b1001), expected: .accepted),
    InspectionCase(name: "v3 header length 104", declared: .qcow2, data: ImageBuilder.qcow2(headerLength: 104), expected: .accepted),
    InspectionCase(
        name: "v3 with backing file", declared: .qcow2, data: ImageBuilder.qcow2(backingOffset: 0x200),
        expected: .refused(containing: backingReason)),
    InspectionCase(
        name: "v2 with backing file", declared: .qcow2, data: ImageBuilder.qcow2(version: 2, backingOffset: 0x200),
        expected: .refused(containing: backingReason)),
    InspectionCase(
        name: "external data file feature bit", declared: .qcow2, data: ImageBuilder.qcow2(incompatible: 1 << 2),
        expected: .refused(containing: dataFileReason)),
    InspectionCase(
        name: "DATA header extension without the feature bit", declared: .qcow2,
        data: ImageBuilder.qcow2(extensions: [ImageBuilder.dataFileName]), expected: .refused(containing: dataFileReason)),
    InspectionCase(
        name: "DATA header extension after a long one", declared: .qcow2,
        data: ImageBuilder.qcow2(extensions: [ImageBuilder.featureNameTable, ImageBuilder.backingFormat, ImageBuilder.dataFileName]),
        expected: .refused(containing: dataFileReason)),
    InspectionCase(
        name: "DATA header extension in a v2 image", declared: .qcow2,
        data: ImageBuilder.qcow2(version: 2, extensions: [ImageBuilder.dataFileName]), expected: .refused(containing: dataFileReason)),
    InspectionCase(
        name: "extended L2 entries (unknown to oslo)", declared: .qcow2, data: ImageBuilder.qcow2(incompatible: 1 << 4),
        expected: .refused(containing: "incompatible features")),
    InspectionCase(
        name: "high unknown feature bit", declared: .qcow2, data: ImageBuilder.qcow2(incompatible: 1 << 63),
        expected: .refused(containing: "incompatible features")),
    InspectionCase(
        name: "version 1", declared: .qcow2, data: ImageBuilder.qcow2(version: 1), expected: .refused(containing: "versions 2 and 3")),
    InspectionCase(
        name: "version 4", declared: .qcow2, data: ImageBuilder.qcow2(version: 4), expected: .refused(containing: "versions 2 and 3")),
    InspectionCase(
        name: "cluster bits 30", declared: .qcow2, data: ImageBuilder.qcow2(clusterBits: 30), expected: .refused(containing: "cluster size")
    ),
    InspectionCase(
        name: "header length 96", declared: .qcow2, data: ImageBuilder.qcow2(headerLength: 96),
        expected: .refused(containing: "header length")),
    InspectionCase(
        name: "extension longer than the cluster", declared: .qcow2,
        data: ImageBuilder.qcow2(clusterBits: 9, extensions: [(0x1234_5678, [UInt8](repeating: 1, count: 400))]),
        expected: .refused(containing: "too long")),
    InspectionCase(name: "random bytes", declared: .qcow2, data: ImageBuilder.random(4096), expected: .refused(containing: notQcow2Reason)),
    InspectionCase(
        name: "a sparse vmdk", declared: .qcow2, data: ImageBuilder.sparseVMDK(ImageBuilder.descriptor()),
        expected: .refused(containing: notQcow2Reason)),
    InspectionCase(name: "empty body", declared: .qcow2, data: [], expected: .refused(containing: notQcow2Reason)),
    InspectionCase(name: "10-byte body", declared: .qcow2, data: ImageBuilder.random(10), expected: .refused(containing: notQcow2Reason)),
    InspectionCase(
        name: "10-byte body with the magic", declared: .qcow2, data: Array(ImageBuilder.qcow2().prefix(10)),
        expected: .refused(containing: "The data is too short to be a qcow2 image.")),
    InspectionCase(name: "3 bytes so far", declared: .qcow2, data: [0x51, 0x46, 0x49], complete: false, expected: .needMoreBytes),
    InspectionCase(
        name: "wrong magic after 4 bytes", declared: .qcow2, data: ImageBuilder.ascii("QFI!"), complete: false,
        expected: .refused(containing: notQcow2Reason)),
    InspectionCase(
        name: "header only partly arrived", declared: .qcow2, data: Array(ImageBuilder.qcow2().prefix(300)), complete: false,
        expected: .needMoreBytes),
    InspectionCase(
        name: "extensions run past 512 bytes, not arrived yet", declared: .qcow2,
        data: Array(
            ImageBuilder.qcow2(extensions: [ImageBuilder.backingFormat, ImageBuilder.featureNameTable, ImageBuilder.dataFileName]).prefix(
                512)),
        complete: false, expected: .needMoreBytes),
    InspectionCase(
        name: "extensions run past 512 bytes, arrived", declared: .qcow2,
        data: Array(
            ImageBuilder.qcow2(extensions: [ImageBuilder.backingFormat, ImageBuilder.featureNameTable, ImageBuilder.dataFileName]).prefix(
                1024)),
        complete: false, expected: .refused(containing: dataFileReason)),
]

private let otherFilesReason = "vmdk images whose extents are in other files are not accepted."

private let vmdkCases: [InspectionCase] = [
    InspectionCase(
        name: "monolithicSparse", declared: .vmdk, data: ImageBuilder.sparseVMDK(ImageBuilder.descriptor()), expected: .accepted),
    InspectionCase(
        name: "streamOptimized", declared: .vmdk,
        data: ImageBuilder.sparseVMDK(descriptor: ImageBuilder.ascii(ImageBuilder.descriptor(createType: "streamOptimized")), version: 3),
        expected: .accepted),
    InspectionCase(
        name: "createType in other case", declared: .vmdk,
        data: ImageBuilder.sparseVMDK(ImageBuilder.descriptor(createType: "MONOLITHICSPARSE")),
        expected: .accepted),
    InspectionCase(
        name: "CRLF line endings", declared: .vmdk, data: ImageBuilder.sparseVMDK(ImageBuilder.descriptor(lineEnding: "\r\n")),
        expected: .accepted),
    InspectionCase(
        name: "read-only sparse extent", declared: .vmdk,
        data: ImageBuilder.sparseVMDK(ImageBuilder.descriptor(extents: [#"RDONLY 2048 SPARSE "disk.vmdk""#])),
        expected: .accepted),
    InspectionCase(
        name: "descriptor of one sector", declared: .vmdk,
        data: ImageBuilder.sparseVMDK(descriptor: ImageBuilder.ascii(ImageBuilder.descriptor()), descriptorSectors: 1), expected: .accepted),
    InspectionCase(
        name: "createType monolithicFlat", declared: .vmdk,
        data: ImageBuilder.sparseVMDK(ImageBuilder.descriptor(createType: "monolithicFlat")),
        expected: .refused(containing: "Only monolithicSparse and streamOptimized vmdk images are accepted.")),
    InspectionCase(
        name: "createType vmfs", declared: .vmdk, data: ImageBuilder.sparseVMDK(ImageBuilder.descriptor(createType: "vmfs")),
        expected: .refused(containing: "Only monolithicSparse and streamOptimized")),
    InspectionCase(
        name: "no createType", declared: .vmdk, data: ImageBuilder.sparseVMDK(ImageBuilder.descriptor(createType: nil)),
        expected: .refused(containing: "no createType")),
    InspectionCase(
        name: "extra FLAT extent naming another file", declared: .vmdk,
        data: ImageBuilder.sparseVMDK(
            ImageBuilder.descriptor(extents: [#"RW 131072 SPARSE "disk.vmdk""#, #"RW 2048 FLAT "other.vmdk" 0"#])),
        expected: .refused(containing: otherFilesReason)),
    InspectionCase(
        name: "only a FLAT extent naming another file", declared: .vmdk,
        data: ImageBuilder.sparseVMDK(ImageBuilder.descriptor(extents: [#"RW 2048 FLAT "other.vmdk" 0"#])),
        expected: .refused(containing: otherFilesReason)),
    InspectionCase(
        name: "two sparse extents", declared: .vmdk,
        data: ImageBuilder.sparseVMDK(ImageBuilder.descriptor(extents: [#"RW 2048 SPARSE "a.vmdk""#, #"RW 2048 SPARSE "b.vmdk""#])),
        expected: .refused(containing: otherFilesReason)),
    InspectionCase(
        name: "ZERO extent", declared: .vmdk, data: ImageBuilder.sparseVMDK(ImageBuilder.descriptor(extents: ["RW 2048 ZERO"])),
        expected: .refused(containing: otherFilesReason)),
    InspectionCase(
        name: "absolute extent path", declared: .vmdk,
        data: ImageBuilder.sparseVMDK(ImageBuilder.descriptor(extents: [#"RW 2048 SPARSE "/etc/passwd""#])),
        expected: .refused(containing: "another directory")),
    InspectionCase(
        name: "relative extent path", declared: .vmdk,
        data: ImageBuilder.sparseVMDK(ImageBuilder.descriptor(extents: [#"RW 2048 SPARSE "../x.vmdk""#])),
        expected: .refused(containing: "another directory")),
    InspectionCase(
        name: "no extent", declared: .vmdk, data: ImageBuilder.sparseVMDK(ImageBuilder.descriptor(extents: [])),
        expected: .refused(containing: "declares no extent")),
    InspectionCase(
        name: "line not understood", declared: .vmdk, data: ImageBuilder.sparseVMDK(ImageBuilder.descriptor(extra: ["something odd"])),
        expected: .refused(containing: "not understood")),
    InspectionCase(
        name: "parent file", declared: .vmdk,
        data: ImageBuilder.sparseVMDK(ImageBuilder.descriptor(extra: [#"parentFileNameHint="base.vmdk""#])),
        expected: .refused(containing: "parent (backing) file")),
    InspectionCase(
        name: "descriptor at sector 2", declared: .vmdk,
        data: ImageBuilder.sparseVMDK(descriptor: ImageBuilder.ascii(ImageBuilder.descriptor()), descriptorSector: 2),
        expected: .refused(containing: "expected offset")),
    InspectionCase(
        name: "version 4", declared: .vmdk,
        data: ImageBuilder.sparseVMDK(descriptor: ImageBuilder.ascii(ImageBuilder.descriptor()), version: 4),
        expected: .refused(containing: "versions 1 to 3")),
    InspectionCase(
        name: "descriptor fills its sector without a NUL", declared: .vmdk,
        data: ImageBuilder.sparseVMDK(
            descriptor: Array(ImageBuilder.ascii(ImageBuilder.descriptor() + String(repeating: "#", count: 512)).prefix(512)),
            descriptorSectors: 1),
        expected: .refused(containing: "does not end within its declared size")),
    InspectionCase(
        name: "zero-sector descriptor", declared: .vmdk, data: ImageBuilder.sparseVMDK(descriptor: [], descriptorSectors: 0),
        expected: .refused(containing: "no embedded descriptor")),
    InspectionCase(
        name: "non-ASCII descriptor", declared: .vmdk, data: ImageBuilder.sparseVMDK(ImageBuilder.descriptor(extra: ["# caf\u{E9}"])),
        expected: .refused(containing: "not ASCII")),
    InspectionCase(
        name: "descriptor-only vmdk", declared: .vmdk,
        data: ImageBuilder.ascii(ImageBuilder.descriptor(createType: "monolithicFlat", extents: [#"RW 2048 FLAT "disk-flat.vmdk" 0"#])),
        expected: .refused(containing: "vmdk descriptor files, which refer to other files, are not accepted")),
    InspectionCase(
        name: "random bytes", declared: .vmdk, data: ImageBuilder.random(4096),
        expected: .refused(containing: "The data is not a vmdk image (no KDMV signature).")),
    InspectionCase(name: "a qcow2 image", declared: .vmdk, data: ImageBuilder.qcow2(), expected: .refused(containing: "no KDMV signature")),
    InspectionCase(name: "empty body", declared: .vmdk, data: [], expected: .refused(containing: "no KDMV signature")),
    InspectionCase(
        name: "truncated inside the descriptor", declared: .vmdk,
        data: Array(ImageBuilder.sparseVMDK(ImageBuilder.descriptor()).prefix(1000)),
        expected: .refused(containing: "The data is too short to be a vmdk image.")),
    InspectionCase(
        name: "header arrived, descriptor not yet", declared: .vmdk,
        data: Array(ImageBuilder.sparseVMDK(ImageBuilder.descriptor()).prefix(1000)),
        complete: false, expected: .needMoreBytes),
    InspectionCase(name: "2 bytes so far", declared: .vmdk, data: ImageBuilder.ascii("KD"), complete: false, expected: .needMoreBytes),
]

private let vhdCases: [InspectionCase] = [
    InspectionCase(name: "dynamic", declared: .vhd, data: ImageBuilder.vhd(), expected: .accepted),
    InspectionCase(
        name: "differencing", declared: .vhd, data: ImageBuilder.vhd(diskType: 4), expected: .refused(containing: "differencing")),
    InspectionCase(
        name: "fixed (footer only at the end)", declared: .vhd,
        data: [UInt8](repeating: 0, count: 4096) + Array(ImageBuilder.vhd(diskType: 2).prefix(512)),
        expected: .refused(containing: "The data is not a vhd image (no conectix signature at the start).")),
    InspectionCase(
        name: "a vhdx image", declared: .vhd, data: ImageBuilder.vhdx(), expected: .refused(containing: "no conectix signature")),
    InspectionCase(
        name: "footer cut short", declared: .vhd, data: Array(ImageBuilder.vhd().prefix(100)),
        expected: .refused(containing: "too short to be a vhd image")),
    InspectionCase(
        name: "footer arriving", declared: .vhd, data: Array(ImageBuilder.vhd().prefix(100)), complete: false, expected: .needMoreBytes),
]

private let vhdxCases: [InspectionCase] = [
    InspectionCase(name: "identifier and region table", declared: .vhdx, data: ImageBuilder.vhdx(), expected: .accepted),
    InspectionCase(
        name: "no region table", declared: .vhdx, data: ImageBuilder.vhdx(regionTable: false),
        expected: .refused(containing: "no region table")),
    InspectionCase(
        name: "a vhd image", declared: .vhdx, data: ImageBuilder.vhd(),
        expected: .refused(containing: "The data is not a vhdx image (no vhdxfile signature).")),
    InspectionCase(
        name: "cut short", declared: .vhdx, data: Array(ImageBuilder.vhdx().prefix(4096)),
        expected: .refused(containing: "too short to be a vhdx image")),
    InspectionCase(
        name: "region table not arrived", declared: .vhdx, data: Array(ImageBuilder.vhdx().prefix(65536)), complete: false,
        expected: .needMoreBytes),
]

private let vdiCases: [InspectionCase] = [
    InspectionCase(name: "signature at 64", declared: .vdi, data: ImageBuilder.vdi(), expected: .accepted),
    InspectionCase(
        name: "random bytes", declared: .vdi, data: ImageBuilder.random(1024),
        expected: .refused(containing: "The data is not a vdi image (no VDI signature at byte 64).")),
    InspectionCase(
        name: "qcow2 magic with a VDI signature", declared: .vdi,
        data: ImageBuilder.patched(ImageBuilder.vdi(), [0x51, 0x46, 0x49, 0xFB], at: 0),
        expected: .refused(containing: "The data is a qcow2 image, but disk_format is vdi.")),
    InspectionCase(
        name: "header cut short", declared: .vdi, data: Array(ImageBuilder.vdi().prefix(100)),
        expected: .refused(containing: "too short to be a vdi image")),
    InspectionCase(
        name: "signature not arrived", declared: .vdi, data: Array(ImageBuilder.vdi().prefix(60)), complete: false, expected: .needMoreBytes
    ),
]

private let isoCases: [InspectionCase] = [
    InspectionCase(name: "ISO 9660", declared: .iso, data: ImageBuilder.iso(), expected: .accepted),
    InspectionCase(name: "UDF NSR02", declared: .iso, data: ImageBuilder.iso(signature: "NSR02"), expected: .accepted),
    InspectionCase(name: "UDF NSR03", declared: .iso, data: ImageBuilder.iso(signature: "NSR03"), expected: .accepted),
    InspectionCase(
        name: "hybrid with an MBR", declared: .iso,
        data: ImageBuilder.patched(ImageBuilder.iso(), Array(ImageBuilder.mbr().prefix(512)), at: 0),
        expected: .accepted),
    InspectionCase(
        name: "CD001 only in the second descriptor", declared: .iso, data: ImageBuilder.iso(descriptorAt: 34816),
        expected: .refused(containing: "no CD001, NSR02 or NSR03 signature at byte 32769")),
    InspectionCase(
        name: "zeros", declared: .iso, data: [UInt8](repeating: 0, count: 40960),
        expected: .refused(containing: "The data is not an iso image")),
    InspectionCase(
        name: "qcow2 magic with CD001", declared: .iso,
        data: ImageBuilder.patched(ImageBuilder.iso(), [0x51, 0x46, 0x49, 0xFB], at: 0),
        expected: .refused(containing: "The data is a qcow2 image, but disk_format is iso.")),
    InspectionCase(
        name: "short body", declared: .iso, data: [UInt8](repeating: 0, count: 1000),
        expected: .refused(containing: "The data is not an iso image")),
    InspectionCase(
        name: "signature arrived, descriptor not complete", declared: .iso, data: Array(ImageBuilder.iso().prefix(33000)), complete: false,
        expected: .needMoreBytes),
    InspectionCase(
        name: "signature cut short", declared: .iso, data: Array(ImageBuilder.iso().prefix(33000)),
        expected: .refused(containing: "too short to be an iso image")),
]

private let rawCases: [InspectionCase] = [
    InspectionCase(name: "random bytes", declared: .raw, data: ImageBuilder.random(65536), expected: .accepted),
    InspectionCase(name: "zeros", declared: .raw, data: [UInt8](repeating: 0, count: 65536), expected: .accepted),
    InspectionCase(name: "an MBR disk", declared: .raw, data: ImageBuilder.mbr(), expected: .accepted),
    InspectionCase(name: "an ISO", declared: .raw, data: ImageBuilder.iso(), expected: .accepted),
    InspectionCase(
        name: "plain text", declared: .raw, data: ImageBuilder.ascii(String(repeating: "Hello, raw world.\n", count: 200)),
        expected: .accepted),
    InspectionCase(name: "empty body", declared: .raw, data: [], expected: .accepted),
    InspectionCase(name: "10-byte body", declared: .raw, data: ImageBuilder.random(10), expected: .accepted),
    InspectionCase(
        name: "binary, past the signatures", declared: .raw, data: ImageBuilder.random(100), complete: false, expected: .accepted),
    InspectionCase(
        name: "binary, before byte 68", declared: .raw, data: ImageBuilder.random(50), complete: false, expected: .needMoreBytes),
    InspectionCase(
        name: "text, within the probe window", declared: .raw, data: ImageBuilder.ascii(String(repeating: "abcdefgh", count: 100)),
        complete: false, expected: .needMoreBytes),
    InspectionCase(
        name: "a qcow2 image", declared: .raw, data: ImageBuilder.qcow2(),
        expected: .refused(containing: "The data is a qcow2 image, but disk_format is raw.")),
    InspectionCase(
        name: "a qcow2 with a backing file", declared: .raw, data: ImageBuilder.qcow2(backingOffset: 0x200),
        expected: .refused(containing: "The data is a qcow2 image, but disk_format is raw.")),
    InspectionCase(
        name: "qcow2 magic, 4 bytes so far", declared: .raw, data: [0x51, 0x46, 0x49, 0xFB], complete: false,
        expected: .refused(containing: "qcow2 image")),
    InspectionCase(
        name: "a sparse vmdk", declared: .raw, data: ImageBuilder.sparseVMDK(ImageBuilder.descriptor()),
        expected: .refused(containing: "The data is a vmdk image, but disk_format is raw.")),
    InspectionCase(
        name: "a vmdk descriptor file", declared: .raw,
        data: ImageBuilder.ascii(ImageBuilder.descriptor(createType: "monolithicFlat", extents: [#"RW 2048 FLAT "x-flat.vmdk" 0"#])),
        expected: .refused(containing: "The data is a vmdk descriptor file, but disk_format is raw.")),
    InspectionCase(
        name: "qemu-probed descriptor: blank lines, then version", declared: .raw,
        data: ImageBuilder.ascii("# x\n   \r\n  \nversion=2\r\n") + ImageBuilder.random(4096),
        expected: .refused(containing: "vmdk descriptor file")),
    InspectionCase(
        name: "oslo-detected descriptor: text with createType", declared: .raw,
        data: ImageBuilder.ascii("hello\nCreateType=\"monolithicFlat\"\nRW 1 FLAT \"f\" 0\n"),
        expected: .refused(containing: "vmdk descriptor file")),
    InspectionCase(
        name: "a dynamic vhd", declared: .raw, data: ImageBuilder.vhd(),
        expected: .refused(containing: "The data is a vhd image, but disk_format is raw.")),
    InspectionCase(
        name: "a vhdx", declared: .raw, data: ImageBuilder.vhdx(),
        expected: .refused(containing: "The data is a vhdx image, but disk_format is raw.")),
    InspectionCase(
        name: "a vdi", declared: .raw, data: ImageBuilder.vdi(),
        expected: .refused(containing: "The data is a vdi image, but disk_format is raw.")
    ),
    InspectionCase(
        name: "a qed", declared: .raw, data: ImageBuilder.ascii("QED") + [0] + ImageBuilder.random(1000),
        expected: .refused(containing: "The data is a qed image, but disk_format is raw.")),
]

private let allInspectionCases = qcow2Cases + vmdkCases + vhdCases + vhdxCases + vdiCases + isoCases + rawCases

// MARK: - Tests

@Suite("FormatInspector")
struct FormatInspectorTests {
    @Test(arguments: qcow2Cases)
    fileprivate func qcow2(_ testCase: InspectionCase) { check(testCase) }

    @Test(arguments: vmdkCases)
    fileprivate func vmdk(_ testCase: InspectionCase) { check(testCase) }

    @Test(arguments: vhdCases + vhdxCases)
    fileprivate func vhdAndVHDX(_ testCase: InspectionCase) { check(testCase) }

    @Test(arguments: vdiCases + isoCases)
    fileprivate func vdiAndISO(_ testCase: InspectionCase) { check(testCase) }

    @Test(arguments: rawCases)
    fileprivate func raw(_ testCase: InspectionCase) { check(testCase) }

    private func check(_ testCase: InspectionCase) {
        let verdict = FormatInspector.inspect(declared: testCase.declared, prefix: testCase.data, complete: testCase.complete)
        #expect(testCase.expected.matches(verdict), "expected \(testCase.expected), got \(verdict)")
    }

    @Test("Formats without an inspector are accepted as they are", arguments: [DiskFormat.ami, .ari, .aki, .ploop])
    func uninspected(_ format: DiskFormat) {
        for data in [[], ImageBuilder.random(10), ImageBuilder.qcow2(backingOffset: 0x200)] {
            #expect(FormatInspector.inspect(declared: format, prefix: data, complete: true) == .accepted)
            #expect(FormatInspector.inspect(declared: format, prefix: data, complete: false) == .accepted)
        }
    }

    @Test("Clearly wrong data is refused for every inspected format", arguments: DiskFormat.allCases)
    func wrongData(_ format: DiskFormat) {
        let noise = ImageBuilder.random(300_000, seed: 9)
        let verdict = FormatInspector.inspect(declared: format, prefix: noise, complete: true)
        switch format {
        case .raw, .ami, .ari, .aki, .ploop:
            #expect(verdict == .accepted)
        case .qcow2, .vmdk, .vhd, .vhdx, .vdi, .iso:
            guard case .refused(let reason) = verdict else {
                Issue.record("expected a refusal, got \(verdict)")
                return
            }
            #expect(reason.hasPrefix("The data is not a\(format == .iso ? "n" : "") \(format.rawValue) image ("))
        }
        #expect(FormatInspector.inspect(declared: format, prefix: [UInt8](), complete: true) == verdict)
    }

    @Test("Refusal reasons are sentences that name the declared format", arguments: allInspectionCases)
    fileprivate func reasonWording(_ testCase: InspectionCase) {
        let verdict = FormatInspector.inspect(declared: testCase.declared, prefix: testCase.data, complete: testCase.complete)
        guard case .refused(let reason) = verdict else { return }
        #expect(reason.hasSuffix("."))
        #expect(reason.first?.isUppercase == true || reason.hasPrefix(testCase.declared.rawValue))
        #expect(reason.contains(testCase.declared.rawValue))
        #expect(reason.count < 160)
    }

    /// Feeds every complete case in growing prefixes, as an upload would arrive: the inspector answers
    /// `.needMoreBytes` until it decides, then keeps the decision the whole data gets.
    @Test(
        "Incremental feeding decides once, and as the whole data would", arguments: allInspectionCases.filter(\.complete),
        [512, 4096, 65536])
    fileprivate func incremental(_ testCase: InspectionCase, chunk: Int) {
        let final = FormatInspector.inspect(declared: testCase.declared, prefix: testCase.data, complete: true)
        var decided: FormatVerdict?
        var length = 0
        while length < testCase.data.count {
            length = min(length + chunk, testCase.data.count)
            let verdict = FormatInspector.inspect(declared: testCase.declared, prefix: testCase.data[0..<length], complete: false)
            if let decided {
                #expect(verdict == decided, "changed its mind at \(length) bytes")
            } else if verdict != .needMoreBytes {
                decided = verdict
                #expect(verdict == final, "decided at \(length) bytes")
            }
        }
        if decided == nil { decided = final }
        #expect(decided == final)
    }

    @Test("A qcow2 with a backing file uploaded as raw waits, then is refused")
    func incrementalCVE() {
        let image = ImageBuilder.qcow2(backingOffset: 0x200, size: 196_616)
        let first = FormatInspector.inspect(declared: .qcow2, prefix: image[0..<100], complete: false)
        #expect(first == .needMoreBytes)
        let later = FormatInspector.inspect(declared: .qcow2, prefix: image[0..<8192], complete: false)
        #expect(later == .refused(reason: "qcow2 images with a backing file are not accepted."))
        let asRaw = FormatInspector.inspect(declared: .raw, prefix: image[0..<2], complete: false)
        #expect(asRaw == .needMoreBytes)
        let asRawLater = FormatInspector.inspect(declared: .raw, prefix: image[0..<4], complete: false)
        #expect(asRawLater == .refused(reason: "The data is a qcow2 image, but disk_format is raw."))
    }

    @Test("Slices, offset slices and non-contiguous collections give the same verdicts", arguments: allInspectionCases)
    fileprivate func collectionKinds(_ testCase: InspectionCase) {
        let expected = FormatInspector.inspect(declared: testCase.declared, prefix: testCase.data, complete: testCase.complete)
        let padded = ImageBuilder.random(333, seed: 3) + testCase.data
        let slice = padded[333...]
        #expect(FormatInspector.inspect(declared: testCase.declared, prefix: slice, complete: testCase.complete) == expected)
        let lazy = testCase.data.lazy.map { $0 }
        #expect(FormatInspector.inspect(declared: testCase.declared, prefix: lazy, complete: testCase.complete) == expected)
    }

    @Test("maxPrefixBytes covers every region the rules read")
    func maxPrefixIsEnough() {
        #expect(FormatInspector.maxPrefixBytes == (1 << 20) + 512)
        let size = FormatInspector.maxPrefixBytes
        // The largest VMDK descriptor: declared as huge, read up to the 1 MiB - 1 cap.
        let hugeDescriptor = ImageBuilder.sparseVMDK(
            descriptor: ImageBuilder.ascii(ImageBuilder.descriptor()), descriptorSectors: .max, size: size)
        #expect(FormatInspector.inspect(declared: .vmdk, prefix: hugeDescriptor, complete: false) == .accepted)
        #expect(FormatInspector.inspect(declared: .vmdk, prefix: hugeDescriptor.dropLast(2), complete: false) == .needMoreBytes)
        // A 2 MiB-cluster qcow2 whose header extensions never end: refused once the limit is reached.
        let padding = (0..<size / 8).map { _ in (type: UInt32(0x1234_5678), data: [UInt8]()) }
        let endless = Array(ImageBuilder.qcow2(clusterBits: 21, extensions: padding, size: size + 16).prefix(size))
        #expect(
            FormatInspector.inspect(declared: .qcow2, prefix: endless, complete: false)
                == .refused(reason: "The qcow2 header extension area is too long to inspect."))
        // Text that keeps the raw check waiting is decided by then too.
        let text = ImageBuilder.ascii(String(repeating: "a", count: size))
        for format in DiskFormat.allCases {
            #expect(FormatInspector.inspect(declared: format, prefix: text, complete: false) != .needMoreBytes)
            #expect(FormatInspector.inspect(declared: format, prefix: ImageBuilder.random(size), complete: false) != .needMoreBytes)
        }
    }

    @Test("The inspector reads no further than the prefix it is given")
    func longerPrefixIsFine() {
        let image = ImageBuilder.qcow2(size: FormatInspector.maxPrefixBytes + 4096)
        #expect(FormatInspector.inspect(declared: .qcow2, prefix: image, complete: false) == .accepted)
    }
}
