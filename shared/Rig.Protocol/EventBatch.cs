namespace Rig.Protocol
{
    /// <summary>Flag bits of an event batch header.</summary>
    public static class EventBatchFlags
    {
        /// <summary>The batch was published again, in answer to a resend request or after a reconnect.</summary>
        public const ushort Resent = 0x0001;

        /// <summary>Bits this format version defines; the rest must be zero.</summary>
        public const ushort Defined = Resent;
    }

    /// <summary>
    /// The fixed 36-byte header of an event batch (docs/protocol.md, "Event batch").
    /// </summary>
    public struct EventBatchHeader
    {
        public const int Size = 36;

        /// <summary>Offset of the flags field, so a stored batch can be re-flagged as resent in place.</summary>
        public const int FlagsOffset = 2;

        /// <summary>Offset of the record count, patched when a batch is closed.</summary>
        public const int RecordCountOffset = 12;

        public ushort Flags;

        /// <summary>Random id drawn at device boot: a reset can never be mistaken for a clock jump.</summary>
        public uint BootId;

        /// <summary>Batch sequence number, from 0 at boot, +1 per new batch (a resent batch keeps its number).</summary>
        public uint BatchSeq;

        public ushort RecordCount;

        /// <summary>Sequence number of the first record; the records are consecutive from it.</summary>
        public ulong FirstEventSeq;

        /// <summary>Device time of reference for the first record's time delta, µs since boot.</summary>
        public ulong BaseDeviceMicros;

        /// <summary>Cumulative count of events the device numbered and then had to drop since boot.</summary>
        public uint LostEventsTotal;

        public void Write(ByteWriter writer)
        {
            writer.WriteByte((byte)MessageType.EventBatch);
            writer.WriteByte(FormatVersion.EventBatch);
            writer.WriteUInt16(Flags);
            writer.WriteUInt32(BootId);
            writer.WriteUInt32(BatchSeq);
            writer.WriteUInt16(RecordCount);
            writer.WriteZeros(2);
            writer.WriteUInt64(FirstEventSeq);
            writer.WriteUInt64(BaseDeviceMicros);
            writer.WriteUInt32(LostEventsTotal);
        }

        public static EventBatchHeader Read(ByteReader reader)
        {
            FormatVersion.Expect(reader, MessageType.EventBatch, FormatVersion.EventBatch);
            EventBatchHeader h = new EventBatchHeader();
            int flagsAt = reader.Position;
            h.Flags = reader.ReadUInt16("flags");
            if ((h.Flags & ~EventBatchFlags.Defined) != 0)
            {
                throw new ProtocolException(ProtocolError.ReservedNotZero, "flags", flagsAt);
            }

            h.BootId = reader.ReadUInt32("boot_id");
            h.BatchSeq = reader.ReadUInt32("batch_seq");
            int countAt = reader.Position;
            h.RecordCount = reader.ReadUInt16("record_count");
            reader.ReadReservedZero(2, "reserved");
            int firstAt = reader.Position;
            h.FirstEventSeq = reader.ReadUInt64("first_event_seq");
            h.BaseDeviceMicros = reader.ReadUInt64("base_device_us");
            h.LostEventsTotal = reader.ReadUInt32("lost_events_total");
            if (h.RecordCount > WireLimits.MaxRecordsPerBatch
                || h.RecordCount * WireLimits.MinRecordBytes > reader.Remaining)
            {
                // Checked before any record is read, so a hostile count cannot make the reader allocate or loop.
                throw new ProtocolException(ProtocolError.CountOutOfRange, "record_count", countAt);
            }

            if (h.FirstEventSeq + h.RecordCount < h.FirstEventSeq)
            {
                throw new ProtocolException(ProtocolError.CountOutOfRange, "first_event_seq", firstAt);
            }

            return h;
        }
    }

    /// <summary>
    /// Encodes one event batch into a caller-owned buffer, record by record, with no allocation.
    /// Record: tag byte (kind &lt;&lt; 4 | channel), zigzag varint time delta from the previous record (the first
    /// from <see cref="EventBatchHeader.BaseDeviceMicros"/>), zigzag varint value delta from the previous record
    /// with the same tag in this batch (the first from 0). Each batch decodes on its own.
    /// </summary>
    public sealed class EventBatchWriter
    {
        private readonly long[] _lastValueByTag = new long[256];
        private readonly ByteWriter _writer;
        private EventBatchHeader _header;
        private ulong _lastMicros;
        private int _maxRecords;
        private bool _open;

        public EventBatchWriter()
        {
            _writer = new ByteWriter(new byte[0], 0, 0);
        }

        /// <summary>Records in the open batch.</summary>
        public int RecordCount
        {
            get { return _header.RecordCount; }
        }

        public bool IsOpen
        {
            get { return _open; }
        }

        /// <summary>First event sequence number of the open batch.</summary>
        public ulong FirstEventSeq
        {
            get { return _header.FirstEventSeq; }
        }

        /// <summary>Sequence number the next appended record must carry.</summary>
        public ulong NextEventSeq
        {
            get { return _header.FirstEventSeq + _header.RecordCount; }
        }

        /// <summary>Starts a batch in <paramref name="buffer"/>[offset, offset+capacity).</summary>
        public void Begin(byte[] buffer, int offset, int capacity, uint bootId, uint batchSeq, ulong firstEventSeq,
            ulong baseDeviceMicros, uint lostEventsTotal, int maxRecords)
        {
            if (maxRecords < 1 || maxRecords > WireLimits.MaxRecordsPerBatch)
            {
                throw new ProtocolException(ProtocolError.CountOutOfRange, "max_records", 0);
            }

            _writer.Reset(buffer, offset, capacity);
            System.Array.Clear(_lastValueByTag, 0, _lastValueByTag.Length);
            _header = new EventBatchHeader();
            _header.BootId = bootId;
            _header.BatchSeq = batchSeq;
            _header.FirstEventSeq = firstEventSeq;
            _header.BaseDeviceMicros = baseDeviceMicros;
            _header.LostEventsTotal = lostEventsTotal;
            _header.Write(_writer);
            _lastMicros = baseDeviceMicros;
            _maxRecords = maxRecords;
            _open = true;
        }

        /// <summary>
        /// Appends one record, or returns false (writing nothing) when the batch is full by count or bytes.
        /// </summary>
        public bool TryAppend(EventKind kind, byte channel, long value, ulong deviceMicros)
        {
            if (!_open)
            {
                throw new ProtocolException(ProtocolError.InvalidField, "batch not begun", 0);
            }

            if (!EventKinds.IsDefined((int)kind) || channel > 15)
            {
                throw new ProtocolException(ProtocolError.InvalidField, "kind/channel", _writer.Position);
            }

            if (_header.RecordCount >= _maxRecords)
            {
                return false;
            }

            int tag = ((int)kind << 4) | channel;
            long timeDelta = (long)(deviceMicros - _lastMicros);
            long valueDelta = value - _lastValueByTag[tag];
            int size = 1 + ByteWriter.VarUInt64Size(ByteWriter.ZigZag(timeDelta))
                + ByteWriter.VarUInt64Size(ByteWriter.ZigZag(valueDelta));
            if (size > _writer.Remaining)
            {
                return false;
            }

            _writer.WriteByte((byte)tag);
            _writer.WriteVarInt64(timeDelta);
            _writer.WriteVarInt64(valueDelta);
            _lastMicros = deviceMicros;
            _lastValueByTag[tag] = value;
            _header.RecordCount++;
            return true;
        }

        /// <summary>Closes the batch: patches the record count and returns the message length in bytes.</summary>
        public int Finish()
        {
            if (!_open)
            {
                throw new ProtocolException(ProtocolError.InvalidField, "batch not begun", 0);
            }

            _writer.PatchUInt16(EventBatchHeader.RecordCountOffset, _header.RecordCount);
            _open = false;
            return _writer.Position;
        }
    }

    /// <summary>Decodes event batches. Same code live in the bridge and offline from the journal.</summary>
    public static class EventBatchReader
    {
        /// <summary>
        /// Decodes a whole batch message: header, then exactly <c>RecordCount</c> records into
        /// <paramref name="records"/> (which must hold them), then refuses trailing bytes.
        /// </summary>
        public static EventBatchHeader Decode(ByteReader reader, EventRecord[] records)
        {
            return Decode(reader, records, new long[256]);
        }

        /// <summary>
        /// As <see cref="Decode(ByteReader, EventRecord[])"/>, with a caller-owned table of 256 value slots (cleared
        /// here), so a decoder that runs per batch allocates nothing.
        /// </summary>
        public static EventBatchHeader Decode(ByteReader reader, EventRecord[] records, long[] lastValueByTag)
        {
            EventBatchHeader header = EventBatchHeader.Read(reader);
            if (records.Length < header.RecordCount)
            {
                throw new ProtocolException(ProtocolError.CountOutOfRange, "record_count", EventBatchHeader.RecordCountOffset);
            }

            if (lastValueByTag.Length < 256)
            {
                throw new ProtocolException(ProtocolError.BufferTooSmall, "value table", 0);
            }

            // One value slot per tag, reset per batch.
            System.Array.Clear(lastValueByTag, 0, 256);
            ulong micros = header.BaseDeviceMicros;
            for (int i = 0; i < header.RecordCount; i++)
            {
                int at = reader.Position;
                byte tag = reader.ReadByte("record.tag");
                int kind = tag >> 4;
                if (!EventKinds.IsDefined(kind))
                {
                    throw new ProtocolException(ProtocolError.InvalidField, "record.kind", at);
                }

                long timeDelta = reader.ReadVarInt64("record.time_delta");
                ulong next = micros + (ulong)timeDelta;
                if ((timeDelta > 0 && next < micros) || (timeDelta < 0 && next > micros))
                {
                    throw new ProtocolException(ProtocolError.TimeOutOfRange, "record.time_delta", at);
                }

                micros = next;
                long value = lastValueByTag[tag] + reader.ReadVarInt64("record.value_delta");
                lastValueByTag[tag] = value;
                records[i].Kind = (EventKind)kind;
                records[i].Channel = (byte)(tag & 0x0F);
                records[i].Value = value;
                records[i].DeviceMicros = micros;
            }

            reader.ExpectEnd("event batch");
            return header;
        }
    }
}
