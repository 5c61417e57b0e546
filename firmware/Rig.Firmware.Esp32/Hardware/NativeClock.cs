namespace Rig.Firmware.Esp32.Hardware
{
    using Rig.Firmware.Esp32.Native;
    using Rig.Firmware.Hardware;

    /// <summary>
    /// esp_timer through the capture module, so the main loop, the sync replies and every captured edge read one and
    /// the same clock.
    /// </summary>
    public sealed class NativeClock : IMicrosecondClock
    {
        public ulong NowMicros
        {
            get { return NativeCapture.NowMicros(); }
        }
    }
}
