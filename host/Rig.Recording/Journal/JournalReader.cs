using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.IO.Hashing;
using Rig.Protocol;

namespace Rig.Recording.Journal;

/// <summary>Everything a journal holds, and how it ends.</summary>
public sealed class JournalReadResult
{
    public JournalReadResult(string path, IReadOnlyList<JournalRecord> records, long validLength, long tornTailBytes, long? corruptionOffset, string? corruptionReason)
    {
        Path = path;
        Records = records;
        ValidLength = validLength;
        TornTailBytes = tornTailBytes;
        CorruptionOffset = corruptionOffset;
        CorruptionReason = corruptionReason;
    }

    public string Path { get; }

    /// <summary>Every whole, intact record before the first torn or corrupt one, in file order.</summary>
    public IReadOnlyList<JournalRecord> Records { get; }

    public int RecordCount => Records.Count;

    /// <summary>Header plus every returned record: the offset where reading stopped.</summary>
    public long ValidLength { get; }

    /// <summary>Bytes of an incomplete last record, as a crash mid-write leaves; 0 if the file ends on a record boundary.</summary>
    public long TornTailBytes { get; }

    /// <summary>File offset of the first record with an impossible length or a CRC mismatch; null if there is none.</summary>
    public long? CorruptionOffset { get; }

    public string? CorruptionReason { get; }

    /// <summary>The file ends cleanly after its last record.</summary>
    public bool IsComplete => TornTailBytes == 0 && CorruptionOffset is null;
}

/// <summary>
/// Reads a session journal record by record (format on <see cref="JournalWriter"/>). Opens the file with
/// <see cref="FileShare.ReadWrite"/>, so it can follow a journal that is still being written: a torn tail ends
/// <see cref="TryRead"/> without consuming it, and the next call retries once the writer has finished the record.
/// A damaged length field that points past the end of the file cannot be told apart from a torn tail and is reported as one.
/// </summary>
public sealed class JournalReader : IDisposable
{
    private readonly Stream _stream;
    private readonly Crc32 _crc = new();
    private readonly byte[] _head = new byte[JournalFormat.RecordHeaderLength + JournalFormat.BodyHeaderLength];
    private bool _disposed;

    private JournalReader(Stream stream, string path)
    {
        _stream = stream;
        Path = path;
        Position = JournalFormat.FileHeaderLength;
    }

    public string Path { get; }

    /// <summary>File offset of the next record to read.</summary>
    public long Position { get; private set; }

    public long RecordCount { get; private set; }

    /// <summary>Bytes of the incomplete record found by the last <see cref="TryRead"/>; 0 when it ended on a record boundary.</summary>
    public long TornTailBytes { get; private set; }

    /// <summary>Offset of the corrupt record that stopped reading for good; null if none was found.</summary>
    public long? CorruptionOffset { get; private set; }

    public string? CorruptionReason { get; private set; }

    /// <summary>Opens a journal and checks its header; throws <see cref="JournalFormatException"/> if the file is not a journal.</summary>
    public static JournalReader Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string fullPath = System.IO.Path.GetFullPath(path);
        var stream = new FileStream(fullPath, new FileStreamOptions
        {
            Mode = FileMode.Open,
            Access = FileAccess.Read,
            Share = FileShare.ReadWrite,
            BufferSize = 64 * 1024,
            Options = FileOptions.SequentialScan,
        });
        try
        {
            ReadFileHeader(stream, fullPath);
            return new JournalReader(stream, fullPath);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Opens a journal held in <paramref name="stream"/> (read from its current position; disposed with the reader), named
    /// <paramref name="name"/> in messages; throws <see cref="JournalFormatException"/> if it is not a journal.
    /// </summary>
    public static JournalReader Open(Stream stream, string name)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentException.ThrowIfNullOrEmpty(name);
        ReadFileHeader(stream, name);
        return new JournalReader(stream, name);
    }

    /// <summary>
    /// Reads a whole journal. A torn tail or a corrupt record ends the list and is reported in the result, not thrown:
    /// everything before it is still the session's data.
    /// </summary>
    public static JournalReadResult Read(string path)
    {
        using JournalReader reader = Open(path);
        var records = new List<JournalRecord>();
        while (reader.TryRead(out JournalRecord record))
        {
            records.Add(record);
        }

        return new JournalReadResult(reader.Path, records, reader.Position, reader.TornTailBytes, reader.CorruptionOffset, reader.CorruptionReason);
    }

    /// <summary>
    /// Reads the next record. False at the end of the file, at a torn tail (<see cref="TornTailBytes"/>; a later call retries)
    /// or at corruption (<see cref="CorruptionOffset"/>; final). Each record's payload is its own array.
    /// </summary>
    public bool TryRead(out JournalRecord record)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        record = default;
        if (CorruptionOffset is not null)
        {
            return false;
        }

        long start = Position;
        if (_stream.Position != start)
        {
            _stream.Position = start;
        }

        Span<byte> recordHeader = _head.AsSpan(0, JournalFormat.RecordHeaderLength);
        int got = _stream.ReadAtLeast(recordHeader, recordHeader.Length, throwOnEndOfStream: false);
        if (got < recordHeader.Length)
        {
            TornTailBytes = got;
            return false;
        }

        uint bodyLength = BinaryPrimitives.ReadUInt32LittleEndian(recordHeader);
        uint expectedCrc = BinaryPrimitives.ReadUInt32LittleEndian(recordHeader[4..]);
        if (bodyLength < JournalFormat.BodyHeaderLength || bodyLength > JournalFormat.MaxBodyLength)
        {
            return Corrupt(start, $"impossible record length {bodyLength} at offset {start}");
        }

        Span<byte> bodyHeader = _head.AsSpan(JournalFormat.RecordHeaderLength, JournalFormat.BodyHeaderLength);
        got = _stream.ReadAtLeast(bodyHeader, bodyHeader.Length, throwOnEndOfStream: false);
        if (got < bodyHeader.Length)
        {
            TornTailBytes = JournalFormat.RecordHeaderLength + got;
            return false;
        }

        int payloadLength = (int)bodyLength - JournalFormat.BodyHeaderLength;
        byte[] payload = payloadLength == 0 ? [] : new byte[payloadLength];
        got = payloadLength == 0 ? 0 : _stream.ReadAtLeast(payload, payloadLength, throwOnEndOfStream: false);
        if (got < payloadLength)
        {
            TornTailBytes = JournalFormat.RecordHeaderLength + JournalFormat.BodyHeaderLength + got;
            return false;
        }

        _crc.Append(bodyHeader);
        _crc.Append(payload);
        uint actualCrc = _crc.GetCurrentHashAsUInt32();
        _crc.Reset();
        if (actualCrc != expectedCrc)
        {
            return Corrupt(start, $"CRC mismatch in the record at offset {start} (stored 0x{expectedCrc:x8}, computed 0x{actualCrc:x8})");
        }

        record = new JournalRecord(
            (JournalRecordType)bodyHeader[0],
            (TopicKind)bodyHeader[1],
            BinaryPrimitives.ReadInt64LittleEndian(bodyHeader[4..]),
            payload);
        Position = start + JournalFormat.RecordHeaderLength + bodyLength;
        RecordCount++;
        TornTailBytes = 0;
        return true;
    }

    public void Dispose()
    {
        _disposed = true;
        _stream.Dispose();
    }

    private static void ReadFileHeader(Stream stream, string path)
    {
        Span<byte> header = stackalloc byte[JournalFormat.FileHeaderLength];
        int got = stream.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);
        if (got < header.Length)
        {
            throw JournalFormatException.For(path, $"it is shorter than the {JournalFormat.FileHeaderLength}-byte journal header ({got} bytes)");
        }

        if (!header[..JournalFormat.Magic.Length].SequenceEqual(JournalFormat.Magic))
        {
            throw JournalFormatException.For(path, $"it does not start with the journal magic \"RIGJRNL\\0\" (found {Convert.ToHexString(header[..JournalFormat.Magic.Length])})");
        }

        ushort version = BinaryPrimitives.ReadUInt16LittleEndian(header.Slice(8, 2));
        if (version != JournalFormat.Version)
        {
            throw JournalFormatException.For(path, $"it has journal format version {version}, and this build reads only version {JournalFormat.Version}");
        }
    }

    private bool Corrupt(long offset, string reason)
    {
        CorruptionOffset = offset;
        CorruptionReason = reason;
        TornTailBytes = 0;
        return false;
    }
}
