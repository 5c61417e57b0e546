namespace Rig.Protocol
{
    /// <summary>
    /// The device settings record: the file <c>rig flash</c> writes to the ESP32's internal storage and the application
    /// reads at boot (docs/protocol.md, "Device settings record"): rig id, broker, MQTT login, the broker's CA and the pin
    /// map the configuration was made from. The one codec for both ends: the host writes it (Rig.Provisioning.Flashing.DeviceConfiguration)
    /// and the device reads it (firmware/Rig.Firmware.Esp32/Settings/DeviceSettings.cs). <see cref="Write"/> refuses what
    /// <see cref="Read"/> would refuse, so the host never writes a file the device cannot read. Whether the settings suit
    /// this firmware (TLS with a CA, the same pin map as PinMap.cs) is the device's check, not the codec's.
    /// </summary>
    public sealed class DeviceSettingsRecord
    {
        /// <summary>The first four bytes, ASCII <c>RIGC</c>, read as a little-endian u32.</summary>
        public const uint Magic = 0x43474952;

        /// <summary>The layout version this build writes and reads.</summary>
        public const byte Version = 1;

        /// <summary>Flag bit: the broker speaks TLS (mqtts://).</summary>
        public const byte FlagTls = 0x01;

        /// <summary>
        /// Flag bit: the record ends with the safety-limits block (<see cref="SafetyLimitsBytes"/> bytes after the pins).
        /// A firmware that predates the block refuses the bit as reserved, so limits are never silently ignored.
        /// </summary>
        public const byte FlagSafetyLimits = 0x02;

        /// <summary>Flag bits version 1 defines; the others are reserved and must be zero.</summary>
        public const byte DefinedFlags = FlagTls | FlagSafetyLimits;

        /// <summary>
        /// The safety-limits block: valve hard maximum, host silence, water window, window open time (u32 each), window
        /// openings (u16), session window (u64), session open time (u32), arm window (u64).
        /// </summary>
        public const int SafetyLimitsBytes = 4 + 4 + 4 + 4 + 2 + 8 + 4 + 8;

        /// <summary>More pin entries than any ESP32 board has GPIOs is a corrupt file, not a pin map.</summary>
        public const int MaxPins = 48;

        /// <summary>Highest GPIO number (the ESP32-S3 has 0-48).</summary>
        public const int MaxGpio = 48;

        /// <summary>Highest channel of a pin function.</summary>
        public const int MaxChannel = 15;

        /// <summary>A DNS name is at most 253 characters.</summary>
        public const int MaxBrokerHostBytes = 253;

        public const int MaxUsernameBytes = 256;

        public const int MaxPasswordBytes = 256;

        /// <summary>Room for a CA chain of a few PEM certificates.</summary>
        public const int MaxCaPemBytes = 8192;

        public const int MaxFunctionBytes = 32;

        /// <summary>Bytes before the first string: magic, version, flags, broker port.</summary>
        public const int HeaderBytes = 8;

        /// <summary>The largest record the limits allow, in bytes: a reader refuses a longer file unread.</summary>
        public const int MaxBytes = HeaderBytes
            + (2 + WireLimits.MaxRigIdLength)
            + (2 + MaxBrokerHostBytes)
            + (2 + MaxUsernameBytes)
            + (2 + MaxPasswordBytes)
            + (2 + MaxCaPemBytes)
            + 1
            + (MaxPins * (1 + 1 + 2 + MaxFunctionBytes))
            + SafetyLimitsBytes;

        private readonly int[] _pinGpio;
        private readonly int[] _pinChannel;
        private readonly string[] _pinFunction;

        public DeviceSettingsRecord()
        {
            _pinGpio = new int[MaxPins];
            _pinChannel = new int[MaxPins];
            _pinFunction = new string[MaxPins];
            RigId = string.Empty;
            BrokerHost = string.Empty;
            Username = string.Empty;
            Password = string.Empty;
            CaPem = string.Empty;
        }

        /// <summary>1 to 32 characters of [A-Za-z0-9_-] (<see cref="RigTopics.IsValidRigId"/>).</summary>
        public string RigId { get; set; }

        /// <summary>Host name or address of the broker, without brackets; 1 to 253 bytes.</summary>
        public string BrokerHost { get; set; }

        /// <summary>1 to 65535.</summary>
        public int BrokerPort { get; set; }

        /// <summary>True for an mqtts:// broker.</summary>
        public bool UseTls { get; set; }

        /// <summary>Empty when the broker takes anonymous clients.</summary>
        public string Username { get; set; }

        /// <summary>Empty for no password.</summary>
        public string Password { get; set; }

        /// <summary>PEM of the CA that signed the broker's certificate; empty without one.</summary>
        public string CaPem { get; set; }

        /// <summary>
        /// True: the record carries the safety-limits block (flag bit 1). Each limit below is 0 for "the firmware's default"
        /// (Rig.Firmware.DeviceConfig); whether the values suit each other (a session window at least the water window, an
        /// arm window that holds a reward zone) is the firmware's check (RigDevice.Validate), which <c>rig flash</c> runs
        /// before it writes.
        /// </summary>
        public bool HasSafetyLimits { get; set; }

        /// <summary>No command opens a valve longer than this, µs (DeviceConfig.ValveHardMaxOpenMicros); 0: the default.</summary>
        public uint ValveHardMaxMicros { get; set; }

        /// <summary>With the host silent this long, µs, the valve is shut and an arming cancelled (DeviceConfig.HostSilenceCloseMicros); 0: the default.</summary>
        public uint HostSilenceMicros { get; set; }

        /// <summary>Water budget's sliding window, µs (DeviceConfig.WaterWindowMicros); 0: the default.</summary>
        public uint WaterWindowMicros { get; set; }

        /// <summary>Open time allowed in any water window, µs (DeviceConfig.WaterWindowMaxOpenMicros); 0: the default.</summary>
        public uint WaterWindowMaxOpenMicros { get; set; }

        /// <summary>Openings allowed in any water window, 0 to 65535 (DeviceConfig.WaterWindowMaxOpenings); 0: the default.</summary>
        public int WaterWindowMaxOpenings { get; set; }

        /// <summary>Water budget's session window, µs (DeviceConfig.WaterSessionWindowMicros); 0: the default.</summary>
        public ulong WaterSessionWindowMicros { get; set; }

        /// <summary>Open time allowed in any session window, µs (DeviceConfig.WaterSessionMaxOpenMicros); 0: the default.</summary>
        public uint WaterSessionMaxOpenMicros { get; set; }

        /// <summary>Longest window of an armed reward, µs (DeviceConfig.WaterArmMaxWindowMicros); 0: the default.</summary>
        public ulong WaterArmMaxWindowMicros { get; set; }

        /// <summary>Pin entries held (0 to <see cref="MaxPins"/>).</summary>
        public int PinCount { get; private set; }

        public int PinGpio(int index)
        {
            return _pinGpio[index];
        }

        public int PinChannel(int index)
        {
            return _pinChannel[index];
        }

        public string PinFunction(int index)
        {
            return _pinFunction[index];
        }

        /// <summary>Appends a pin entry; refuses a 49th entry and values the reader would refuse.</summary>
        public void AddPin(int gpio, int channel, string function)
        {
            if (PinCount == MaxPins)
            {
                throw new ProtocolException(ProtocolError.CountOutOfRange, "pin_count", 0, "more than " + MaxPins.ToString() + " pins");
            }

            CheckPin(gpio, channel, function, 0);
            _pinGpio[PinCount] = gpio;
            _pinChannel[PinCount] = channel;
            _pinFunction[PinCount] = function;
            PinCount++;
        }

        public void Write(ByteWriter writer)
        {
            if (!RigTopics.IsValidRigId(RigId))
            {
                throw new ProtocolException(ProtocolError.InvalidRigId, "rig_id", HeaderBytes, Rig.Protocol.RigId.Rule);
            }

            CheckPort(BrokerPort, 6);
            CheckHost(BrokerHost, HeaderBytes);
            if (WaterWindowMaxOpenings < 0 || WaterWindowMaxOpenings > 65535)
            {
                throw new ProtocolException(ProtocolError.InvalidField, "water_window_max_openings", 0,
                    WaterWindowMaxOpenings.ToString() + " openings, must be 0 to 65535");
            }

            writer.WriteUInt32(Magic);
            writer.WriteByte(Version);
            byte flags = UseTls ? FlagTls : (byte)0;
            if (HasSafetyLimits)
            {
                flags |= FlagSafetyLimits;
            }

            writer.WriteByte(flags);
            writer.WriteUInt16((ushort)BrokerPort);
            writer.WriteUtf8String(RigId, WireLimits.MaxRigIdLength, "rig_id");
            writer.WriteUtf8String(BrokerHost, MaxBrokerHostBytes, "broker_host");
            writer.WriteUtf8String(Username, MaxUsernameBytes, "username");
            writer.WriteUtf8String(Password, MaxPasswordBytes, "password");
            writer.WriteUtf8String(CaPem, MaxCaPemBytes, "ca_pem");
            writer.WriteByte((byte)PinCount);
            for (int i = 0; i < PinCount; i++)
            {
                writer.WriteByte((byte)_pinGpio[i]);
                writer.WriteByte((byte)_pinChannel[i]);
                writer.WriteUtf8String(_pinFunction[i], MaxFunctionBytes, "pin.function");
            }

            if (HasSafetyLimits)
            {
                writer.WriteUInt32(ValveHardMaxMicros);
                writer.WriteUInt32(HostSilenceMicros);
                writer.WriteUInt32(WaterWindowMicros);
                writer.WriteUInt32(WaterWindowMaxOpenMicros);
                writer.WriteUInt16((ushort)WaterWindowMaxOpenings);
                writer.WriteUInt64(WaterSessionWindowMicros);
                writer.WriteUInt32(WaterSessionMaxOpenMicros);
                writer.WriteUInt64(WaterArmMaxWindowMicros);
            }
        }

        /// <summary>Reads a whole record: the reader must hold exactly one, with nothing after it.</summary>
        public static DeviceSettingsRecord Read(ByteReader reader)
        {
            int at = reader.Position;
            uint magic = reader.ReadUInt32("magic");
            if (magic != Magic)
            {
                throw new ProtocolException(ProtocolError.UnknownMessageType, "magic", at, "the file does not start with RIGC, so it is not a device settings record");
            }

            at = reader.Position;
            byte version = reader.ReadByte("version");
            if (version != Version)
            {
                throw new ProtocolException(ProtocolError.UnsupportedVersion, "version", at,
                    "format version " + version.ToString() + ", this build reads version " + Version.ToString());
            }

            at = reader.Position;
            byte flags = reader.ReadByte("flags");
            if ((flags & ~DefinedFlags) != 0)
            {
                throw new ProtocolException(ProtocolError.ReservedNotZero, "flags", at, "undefined flag bits are set");
            }

            DeviceSettingsRecord record = new DeviceSettingsRecord();
            record.UseTls = (flags & FlagTls) != 0;
            record.HasSafetyLimits = (flags & FlagSafetyLimits) != 0;
            at = reader.Position;
            record.BrokerPort = reader.ReadUInt16("broker_port");
            CheckPort(record.BrokerPort, at);
            at = reader.Position;
            record.RigId = reader.ReadUtf8String(WireLimits.MaxRigIdLength, "rig_id");
            if (!RigTopics.IsValidRigId(record.RigId))
            {
                throw new ProtocolException(ProtocolError.InvalidRigId, "rig_id", at, Rig.Protocol.RigId.Rule);
            }

            at = reader.Position;
            record.BrokerHost = reader.ReadUtf8String(MaxBrokerHostBytes, "broker_host");
            CheckHost(record.BrokerHost, at);
            record.Username = reader.ReadUtf8String(MaxUsernameBytes, "username");
            record.Password = reader.ReadUtf8String(MaxPasswordBytes, "password");
            record.CaPem = reader.ReadUtf8String(MaxCaPemBytes, "ca_pem");
            at = reader.Position;
            int count = reader.ReadByte("pin_count");
            if (count > MaxPins)
            {
                throw new ProtocolException(ProtocolError.CountOutOfRange, "pin_count", at,
                    count.ToString() + " pins, at most " + MaxPins.ToString());
            }

            for (int i = 0; i < count; i++)
            {
                at = reader.Position;
                int gpio = reader.ReadByte("pin.gpio");
                int channel = reader.ReadByte("pin.channel");
                string function = reader.ReadUtf8String(MaxFunctionBytes, "pin.function");
                CheckPin(gpio, channel, function, at);
                record._pinGpio[i] = gpio;
                record._pinChannel[i] = channel;
                record._pinFunction[i] = function;
                record.PinCount = i + 1;
            }

            if (record.HasSafetyLimits)
            {
                record.ValveHardMaxMicros = reader.ReadUInt32("valve_hard_max_us");
                record.HostSilenceMicros = reader.ReadUInt32("host_silence_us");
                record.WaterWindowMicros = reader.ReadUInt32("water_window_us");
                record.WaterWindowMaxOpenMicros = reader.ReadUInt32("water_window_max_open_us");
                record.WaterWindowMaxOpenings = reader.ReadUInt16("water_window_max_openings");
                record.WaterSessionWindowMicros = reader.ReadUInt64("water_session_window_us");
                record.WaterSessionMaxOpenMicros = reader.ReadUInt32("water_session_max_open_us");
                record.WaterArmMaxWindowMicros = reader.ReadUInt64("water_arm_max_window_us");
            }

            reader.ExpectEnd("device settings");
            return record;
        }

        private static void CheckPort(int port, int at)
        {
            if (port < 1 || port > 65535)
            {
                throw new ProtocolException(ProtocolError.InvalidField, "broker_port", at, "port " + port.ToString() + ", must be 1 to 65535");
            }
        }

        private static void CheckHost(string host, int at)
        {
            if (host.Length == 0)
            {
                throw new ProtocolException(ProtocolError.InvalidField, "broker_host", at, "empty");
            }
        }

        private static void CheckPin(int gpio, int channel, string function, int at)
        {
            if (gpio < 0 || gpio > MaxGpio)
            {
                throw new ProtocolException(ProtocolError.InvalidField, "pin.gpio", at, "GPIO " + gpio.ToString() + ", must be 0 to " + MaxGpio.ToString());
            }

            if (channel < 0 || channel > MaxChannel)
            {
                throw new ProtocolException(ProtocolError.InvalidField, "pin.channel", at, "channel " + channel.ToString() + ", must be 0 to " + MaxChannel.ToString());
            }

            if (function.Length == 0)
            {
                throw new ProtocolException(ProtocolError.InvalidField, "pin.function", at, "empty");
            }
        }
    }
}
