namespace Rig.Firmware.Esp32
{
    /// <summary>
    /// Every ESP32 GPIO the firmware uses, copied from hardware/pinmap.json, which gives the electrical notes and the
    /// reason for each choice. A pin constant is named after the JSON entry: the function in PascalCase followed by its
    /// channel (<c>frame_clock</c> channel 0 is <c>FrameClock0</c>); tests/Rig.Esp32.CompileCheck.Tests fails when the
    /// two files disagree, so change both together. Names that end in a digit are reserved for pins.
    /// </summary>
    public static class PinMap
    {
        public const int Lick0 = 34;
        public const int FrameClock0 = 35;
        public const int Photodiode0 = 21;
        public const int TtlIn0 = 23;
        public const int EncoderA0 = 32;
        public const int EncoderB0 = 33;
        public const int Valve0 = 25;
        public const int Tone0 = 26;
        public const int SyncOut0 = 18;
        public const int SyncOut1 = 19;
        public const int StatusLed0 = 22;

        /// <summary>Water valves wired (channels 0 to ValveChannels - 1).</summary>
        public const int ValveChannels = 1;

        /// <summary>Sync/trigger outputs wired (channels 0 to SyncOutChannels - 1).</summary>
        public const int SyncOutChannels = 2;

        /// <summary>
        /// The GPIO this firmware uses for a pin-map entry (function spelled as in hardware/pinmap.json), or -1 when it
        /// uses none: lets the device refuse a deployed configuration whose pin map is not the one it was built for.
        /// </summary>
        public static int GpioOf(string function, int channel)
        {
            if (function == "lick" && channel == 0) return Lick0;
            if (function == "frame_clock" && channel == 0) return FrameClock0;
            if (function == "photodiode" && channel == 0) return Photodiode0;
            if (function == "ttl_in" && channel == 0) return TtlIn0;
            if (function == "encoder_a" && channel == 0) return EncoderA0;
            if (function == "encoder_b" && channel == 0) return EncoderB0;
            if (function == "valve" && channel == 0) return Valve0;
            if (function == "tone" && channel == 0) return Tone0;
            if (function == "sync_out" && channel == 0) return SyncOut0;
            if (function == "sync_out" && channel == 1) return SyncOut1;
            if (function == "status_led" && channel == 0) return StatusLed0;
            return -1;
        }

        /// <summary>How many pins <see cref="GpioOf"/> knows, so a deployed map that leaves one out is noticed too.</summary>
        public const int PinCount = 11;
    }
}
