namespace Rig.Firmware.Esp32.Hardware
{
    using Rig.Firmware.Esp32.Native;
    using Rig.Firmware.Hardware;

    /// <summary>
    /// Tells the native capture module which pin does what (PinMap) and starts its interrupts and timers. Runs once
    /// at boot, before anything else touches the pins.
    /// </summary>
    public static class NativeSetup
    {
        /// <summary>
        /// Lick contacts bounce for well under a millisecond; dropping edges closer than 100 µs in the ISR keeps a
        /// bouncing contact from filling the ring, while LickDetector's 1 ms settle decides what a lick is.
        /// </summary>
        public const uint LickGlitchMicros = 100;

        /// <summary>The scanner's frame clock and TTL lines are clean digital edges: 2 µs only rejects ringing.</summary>
        public const uint FrameClockGlitchMicros = 2;

        public const uint TtlGlitchMicros = 2;

        /// <summary>A screen's backlight PWM can chop the photodiode signal: 100 µs is far below a 60-144 Hz frame.</summary>
        public const uint PhotodiodeGlitchMicros = 100;

        /// <summary>The encoder is sampled on the module's own timer at 1 kHz, the rate the design brief asks for.</summary>
        public const uint EncoderSampleRateHz = 1000;

        /// <summary>
        /// Configures every line and starts the module. Returns an empty string, or what failed with the module's
        /// return code (codes are listed on NativeCapture).
        /// </summary>
        /// <param name="valveHardMaxMicros">The core's hard maximum, so the ISR-side and managed limits agree.</param>
        /// <param name="lickDebounceMicros">LickDetector's debounce (DeviceConfig), which the module replays for the armed reward.</param>
        /// <param name="minInterLickMicros">LickDetector's minimum time between onsets (DeviceConfig), likewise.</param>
        public static string ConfigureAndStart(uint valveHardMaxMicros, uint lickDebounceMicros, uint minInterLickMicros)
        {
            string problem = Check(NativeCapture.ConfigureInput((byte)CaptureLine.Lick, 0, PinMap.Lick0, LickGlitchMicros), "lick input 0");
            if (problem.Length == 0)
            {
                problem = Check(NativeCapture.ConfigureLick(0, lickDebounceMicros, minInterLickMicros), "lick rules of input 0");
            }

            if (problem.Length == 0)
            {
                problem = Check(NativeCapture.ConfigureInput((byte)CaptureLine.FrameClock, 0, PinMap.FrameClock0, FrameClockGlitchMicros), "frame clock input 0");
            }

            if (problem.Length == 0)
            {
                problem = Check(NativeCapture.ConfigureInput((byte)CaptureLine.Photodiode, 0, PinMap.Photodiode0, PhotodiodeGlitchMicros), "photodiode input 0");
            }

            if (problem.Length == 0)
            {
                problem = Check(NativeCapture.ConfigureInput((byte)CaptureLine.Ttl, 0, PinMap.TtlIn0, TtlGlitchMicros), "TTL input 0");
            }

            if (problem.Length == 0)
            {
                problem = Check(NativeCapture.ConfigureEncoder(PinMap.EncoderA0, PinMap.EncoderB0, EncoderSampleRateHz), "encoder");
            }

            if (problem.Length == 0)
            {
                problem = Check(NativeCapture.ConfigureValve(0, PinMap.Valve0, valveHardMaxMicros), "valve 0");
            }

            if (problem.Length == 0)
            {
                problem = Check(NativeCapture.ConfigureTone(PinMap.Tone0), "tone");
            }

            if (problem.Length == 0)
            {
                problem = Check(NativeCapture.ConfigureOutput(0, PinMap.SyncOut0), "sync output 0");
            }

            if (problem.Length == 0)
            {
                problem = Check(NativeCapture.ConfigureOutput(1, PinMap.SyncOut1), "sync output 1");
            }

            if (problem.Length == 0)
            {
                problem = Check(NativeCapture.Start(), "start");
            }

            return problem;
        }

        /// <summary>Shuts every valve, the tone and any armed reward: the last thing done before the firmware gives up.</summary>
        public static void MakeSafe()
        {
            NativeCapture.Disarm();
            for (int channel = 0; channel < PinMap.ValveChannels; channel++)
            {
                NativeCapture.CloseValve((byte)channel);
            }

            NativeCapture.StopTone();
        }

        private static string Check(int code, string what)
        {
            return code < 0 ? "native capture " + what + ": error " + code.ToString() : string.Empty;
        }
    }
}
