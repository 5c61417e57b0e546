namespace Rig.Firmware.Esp32.Hardware
{
    using Rig.Firmware.Esp32.Native;
    using Rig.Firmware.Hardware;

    /// <summary>The cue tone (LEDC PWM in the native module, which also ends it from a timer and records both edges).</summary>
    public sealed class NativeTone : ITone
    {
        private uint _refused;

        /// <summary>Tones the native module refused (the core validated frequency and duration before asking).</summary>
        public uint Refused
        {
            get { return _refused; }
        }

        public void Play(ushort frequencyHz, uint durationMicros)
        {
            if (NativeCapture.PlayTone(frequencyHz, durationMicros) < 0)
            {
                _refused++;
            }
        }

        public void Silence()
        {
            NativeCapture.StopTone();
        }
    }
}
