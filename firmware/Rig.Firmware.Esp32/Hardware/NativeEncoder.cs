namespace Rig.Firmware.Esp32.Hardware
{
    using Rig.Firmware.Esp32.Native;
    using Rig.Firmware.Hardware;

    /// <summary>
    /// The PCNT count, extended to 64 bits by the native module. The 1 kHz samples themselves come from the module's
    /// own timer as EncoderSample records (DeviceConfig.EncoderSampleIntervalMicros = 0), so this is only read on demand.
    /// </summary>
    public sealed class NativeEncoder : IEncoderCounter
    {
        public long ReadCount()
        {
            return NativeCapture.EncoderCount();
        }
    }
}
