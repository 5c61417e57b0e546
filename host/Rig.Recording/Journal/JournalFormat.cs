using System;
using System.Buffers.Binary;

namespace Rig.Recording.Journal;

/// <summary>Constants of the journal file format; the layout itself is documented on <see cref="JournalWriter"/>.</summary>
public static class JournalFormat
{
    public const ushort Version = 1;

    public const int FileHeaderLength = 16;

    /// <summary>u32 body length + u32 CRC-32 of the body.</summary>
    public const int RecordHeaderLength = 8;

    /// <summary>u8 type, u8 topic kind, u16 reserved, i64 host nanoseconds: the part of the body before the payload.</summary>
    public const int BodyHeaderLength = 12;

    /// <summary>Larger than any message the broker accepts from a rig, small enough that a corrupt length cannot make a reader allocate gigabytes.</summary>
    public const int MaxPayloadLength = 1024 * 1024;

    public const int MaxBodyLength = BodyHeaderLength + MaxPayloadLength;

    /// <summary>The first 8 bytes of every journal: ASCII "RIGJRNL" and a zero byte.</summary>
    public static ReadOnlySpan<byte> Magic => "RIGJRNL\0"u8;

    internal static void WriteFileHeader(Span<byte> destination)
    {
        Magic.CopyTo(destination);
        BinaryPrimitives.WriteUInt16LittleEndian(destination.Slice(8, 2), Version);
        BinaryPrimitives.WriteUInt16LittleEndian(destination.Slice(10, 2), 0);
        BinaryPrimitives.WriteUInt32LittleEndian(destination.Slice(12, 4), 0);
    }
}
