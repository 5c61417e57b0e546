namespace Rig.Firmware.Esp32.Hardware
{
    using Rig.Firmware.Esp32.Native;
    using Rig.Firmware.Hardware;

    /// <summary>
    /// The native module's ring, drained with one interop call per batch into a byte buffer allocated once here and
    /// decoded in place into the caller's records.
    /// </summary>
    public sealed class NativeCaptureSource : ICaptureSource
    {
        private readonly byte[] _bytes;
        private readonly int _maxRecords;
        private uint _drainErrors;
        private int _lastError;

        /// <param name="maxRecords">
        /// The length of the record array <see cref="Drain"/> will be given (<c>DeviceConfig.CaptureDrainBatch</c>):
        /// RigDevice keeps draining while a drain fills its whole array, so the byte buffer must hold as many records.
        /// </param>
        public NativeCaptureSource(int maxRecords)
        {
            _maxRecords = maxRecords;
            _bytes = new byte[maxRecords * NativeCapture.RecordBytes];
        }

        public uint Overflows
        {
            get { return NativeCapture.Overflows(); }
        }

        /// <summary>Drains that returned an error code (nothing was lost by them: the records stay in the ring).</summary>
        public uint DrainErrors
        {
            get { return _drainErrors; }
        }

        public int LastError
        {
            get { return _lastError; }
        }

        public int Drain(CaptureRecord[] buffer)
        {
            int max = buffer.Length < _maxRecords ? buffer.Length : _maxRecords;
            int count = NativeCapture.Drain(_bytes, max);
            if (count < 0)
            {
                _drainErrors++;
                _lastError = count;
                return 0;
            }

            for (int i = 0; i < count; i++)
            {
                CaptureRecordDecoder.Decode(_bytes, i * NativeCapture.RecordBytes, ref buffer[i]);
            }

            return count;
        }
    }
}
