namespace Rig.Firmware.Esp32.Hardware
{
    using Rig.Firmware.Esp32.Native;
    using Rig.Firmware.Hardware;

    /// <summary>
    /// Valve pulses and armed rewards, timed by the native module's timer and lick interrupts. The firmware core has
    /// checked every request against its own limits already; a refusal here (a race with an armed reward opening the
    /// valve, or the module's own hard maximum) is counted, and the valve's real state comes back as ValveMonitor edges.
    /// </summary>
    public sealed class NativeValve : IValve
    {
        private readonly int _channels;
        private uint _refused;
        private int _lastError;

        public NativeValve(int channels)
        {
            _channels = channels;
        }

        public int ChannelCount
        {
            get { return _channels; }
        }

        /// <summary>Pulses and armings the native module refused.</summary>
        public uint Refused
        {
            get { return _refused; }
        }

        public int LastError
        {
            get { return _lastError; }
        }

        public void StartPulse(byte channel, uint durationMicros)
        {
            Check(NativeCapture.PulseValve(channel, durationMicros));
        }

        public void ForceClose(byte channel)
        {
            NativeCapture.CloseValve(channel);
        }

        public bool IsOpen(byte channel)
        {
            return NativeCapture.IsValveOpen(channel);
        }

        public void Arm(byte channel, ulong windowStartMicros, ulong windowEndMicros, uint durationMicros)
        {
            Check(NativeCapture.ArmReward(channel, windowStartMicros, windowEndMicros, durationMicros));
        }

        public void Disarm()
        {
            NativeCapture.Disarm();
        }

        private void Check(int code)
        {
            if (code < 0)
            {
                _refused++;
                _lastError = code;
            }
        }
    }
}
